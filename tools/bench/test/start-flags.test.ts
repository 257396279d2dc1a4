import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The node flags of a package's start script, without the loader's (--import tsx, --conditions). */
function nodeFlags(packageDir: string): string[] {
  const start = (JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const words = start.replace(/^exec\s+/, '').split(/\s+/);
  expect(words[0]).toBe('node');
  return words.filter((w, i) => w.startsWith('--') && w !== '--import' && words[i - 1] !== '--import' && !w.startsWith('--conditions'));
}

test("the benchmark runs Node with the activity pipeline's flags, so it measures the app as it starts", () => {
  const app = nodeFlags(resolve(__dirname, '../../../apps/activity-pipeline'));
  expect(app.length).toBeGreaterThan(0);
  expect(nodeFlags(resolve(__dirname, '..'))).toEqual(app);
});
