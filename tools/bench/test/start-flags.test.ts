import { resolve } from 'node:path';
import { scriptCommand } from 'activity-pipeline/script-command';

/** The variables and node flags of a package's start script, without the loader's (--import tsx, --conditions). */
function startSettings(packageDir: string) {
  const { command, args, env } = scriptCommand(packageDir, 'start', {});
  expect(command).toBe(process.execPath);
  return { env, flags: args.filter((w, i) => w.startsWith('--') && w !== '--import' && args[i - 1] !== '--import' && !w.startsWith('--conditions')) };
}

test("the benchmark runs Node with the activity pipeline's flags and variables, so it measures the app as it starts", () => {
  const app = startSettings(resolve(__dirname, '../../../apps/activity-pipeline'));
  expect(app.flags).toEqual(expect.arrayContaining(['--heap-growing-percent=50']));
  expect(app.env).toEqual({ MALLOC_ARENA_MAX: '2' });
  expect(startSettings(resolve(__dirname, '..'))).toEqual(app);
});
