import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { userPath } from './paths';
import { formatSelfTimes, selfTimes, selfTimesByFile, type CpuProfile } from './profile';

// `pnpm --filter @pipeline/bench profile-top <file.cpuprofile> [--top 30]`: the functions (and
// files) with the most self time in a V8 CPU profile, e.g. one `pnpm bench --cpu-prof` wrote, or
// one from `node --cpu-prof`.

const program = new Command('profile-top')
  .description('Top functions and files by self time in a .cpuprofile')
  .argument('<file>', 'a .cpuprofile (JSON)')
  .option('--top <n>', 'how many lines', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
    return n;
  }, 25)
  .action((file: string, options: { top: number }) => {
    const profile = JSON.parse(readFileSync(userPath(file), 'utf8')) as CpuProfile;
    const seconds = (profile.endTime - profile.startTime) / 1e6;
    console.log(`${file}: ${seconds.toFixed(1)} s profiled\n`);
    console.log(formatSelfTimes(selfTimes(profile), options.top));
    console.log('\nby file (or package):\n');
    for (const f of selfTimesByFile(profile).slice(0, options.top)) {
      console.log(`${f.ms.toFixed(0).padStart(9)}  ${`${(f.share * 100).toFixed(1)}%`.padStart(6)}  ${f.file}`);
    }
  });

program.parse(process.argv.filter((a, i) => !(a === '--' && i === 2)));
