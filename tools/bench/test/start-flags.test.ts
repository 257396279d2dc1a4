import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The variables (`exec env NAME=value… node`) and node flags of a package's start script, without
 * the loader's flags (--import tsx, --conditions).
 */
function startSettings(packageDir: string): string[] {
  const start = (JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const words = start.replace(/^exec\s+/, '').split(/\s+/);
  const variables: string[] = [];
  if (words[0] === 'env') {
    words.shift();
    while (/^\w+=/.test(words[0] ?? '')) variables.push(words.shift()!);
  }
  expect(words[0]).toBe('node');
  return [...variables, ...words.filter((w, i) => w.startsWith('--') && w !== '--import' && words[i - 1] !== '--import' && !w.startsWith('--conditions'))];
}

test("the benchmark runs Node with the activity pipeline's flags and variables, so it measures the app as it starts", () => {
  const app = startSettings(resolve(__dirname, '../../../apps/activity-pipeline'));
  expect(app).toEqual(expect.arrayContaining(['--heap-growing-percent=50', 'MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}']));
  expect(startSettings(resolve(__dirname, '..'))).toEqual(app);
});
