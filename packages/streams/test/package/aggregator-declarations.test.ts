import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';

// A project that emits declarations (a library of shared aggregators, or any project with
// `composite` or project references) must be able to name what each aggregator returns. Before
// `DistinctCounter` was exported, `export const distinctUsers = countDistinct(...)` failed with
//   TS2742: The inferred type of 'distinctUsers' cannot be named without a reference to
//   '…/@pipeline/streams/…/aggregations/count-distinct'. This is likely not portable.
// The consumer here reaches the package through node_modules and its `@pipeline/source` condition
// (the sources: no build needed); the published `dist` has the same shape.
const packageRoot = path.resolve(__dirname, '../..');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'aggregator-declarations-'));
  mkdirSync(path.join(scratch, 'node_modules/@pipeline'), { recursive: true });
  mkdirSync(path.join(scratch, 'node_modules/@types'), { recursive: true });
  symlinkSync(packageRoot, path.join(scratch, 'node_modules/@pipeline/streams'), 'dir');
  symlinkSync(path.join(packageRoot, 'node_modules/@types/node'), path.join(scratch, 'node_modules/@types/node'), 'dir');
  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', type: 'commonjs' }));
  writeFileSync(
    path.join(scratch, 'aggregators.ts'),
    [
      "import { approxCountDistinct, count, countDistinct, max, min, reduce, sum } from '@pipeline/streams';",
      'type Click = { user_id: string; ms: number };',
      'export const clicks = count();',
      'export const totalMs = sum((c: Click) => c.ms);',
      'export const fastest = min((c: Click) => c.ms);',
      'export const slowest = max((c: Click) => c.ms);',
      'export const longest = reduce((a: Click, b: Click) => (a.ms > b.ms ? a : b));',
      'export const approxUsers = approxCountDistinct((c: Click) => c.user_id);',
      'export const distinctUsers = countDistinct((c: Click) => c.user_id);',
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it("every aggregator's result can be exported from a project that emits declarations", () => {
  const file = path.join(scratch, 'aggregators.ts');
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@pipeline/source'],
    strict: true,
    declaration: true,
    emitDeclarationOnly: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: path.join(scratch, 'out'),
  });
  const emitted = program.emit(undefined, () => {}, undefined, true);
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]
    .filter((d) => d.file?.fileName === file)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`.replace(scratch, '<consumer>'));
  expect(problems).toEqual([]);
}, 120_000);
