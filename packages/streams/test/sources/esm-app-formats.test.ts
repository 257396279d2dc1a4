import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// TypeBox is published as CommonJS and as an ES module: two module instances, each with its own
// FormatRegistry. An ES module application registers its formats in the second; this package
// (CommonJS) must still check them. The application runs in a node process of its own, as an ES
// module, importing the package's sources through its `@pipeline/source` export condition.

it("checks the string formats an ES module application registered with TypeBox's ES module build", () => {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const stdout = execFileSync(process.execPath, ['--conditions=@pipeline/source', '--import', tsx, path.join(__dirname, 'fixtures', 'esm-app-format.mjs')], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(JSON.parse(stdout)).toEqual({ out: ['abc'], deadLetters: ["schema: /user: Expected string to match 'short' format"] });
}, 40_000);
