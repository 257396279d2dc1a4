import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { consumerProject } from './support/consumer';
import { packagesDeclarationsImport } from './support/declarations';
import { manifestTargets } from './support/manifest-targets';
import { packPackage, type PackedPackage } from './support/pack';
import { sourceMapSources } from './support/source-maps';
import { typeErrors } from './support/type-check';

// The package as a user outside this monorepo gets it: built, packed as `pnpm publish` would,
// installed in a project of its own. Nothing here needs the network.

let scratch: string;
let packed: PackedPackage;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'streams-packed-'));
  packed = packPackage(path.join(scratch));
}, 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the manifest', () => {
  // npm warns (or, with engine-strict, refuses) on another Node; without the field it installs
  // anywhere, and what fails is the application, later. The workspace's is what CI runs and the
  // README asks for.
  it("states the Node versions it runs on: the workspace's", () => {
    const workspace = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as { engines: unknown };
    expect(packed.manifest.engines).toEqual(workspace.engines);
  });

  // The application holds its own copy of these (it writes TypeBox schemas, makes a Kysely): a
  // second copy, which a dependency pinned to another version than the application's installs,
  // has types TypeScript takes for distinct, and TypeBox's FormatRegistry of its own, where the
  // formats the application registers are unknown (every record dead-lettered). A peer
  // dependency is one copy, the application's.
  it('makes each package its declarations import a peer dependency', () => {
    const peers = Object.keys((packed.manifest.peerDependencies ?? {}) as Record<string, string>);
    const notPeers = [...packagesDeclarationsImport(packed)].filter(([name]) => !peers.includes(name));
    expect(notPeers.map(([name, file]) => `${name} (${file})`)).toEqual([]);
  });
});

describe('the files', () => {
  // The manifest says Apache-2.0, whose section 4 asks that a copy of the license go with every
  // redistribution: the tarball is one.
  it('hold the license and the README', () => {
    expect(['LICENSE', 'README.md'].filter((file) => !packed.files.has(file))).toEqual([]);
  });

  // A target that is not in the tarball fails whoever resolves it (the `@pipeline/source`
  // condition's sources, if a tool enables it); a map whose sources are missing leaves debuggers and
  // editors' go-to-definition with nothing to show.
  it('hold every target of the manifest', () => {
    expect(manifestTargets(packed).filter((target) => !packed.files.has(target))).toEqual([]);
  });

  it('hold the sources of every source map', () => {
    const missing = sourceMapSources(packed).filter(({ source }) => !packed.files.has(source));
    expect({ missing: missing.length, first: missing.slice(0, 3) }).toEqual({ missing: 0, first: [] });
  });
});

describe("a consumer's types", () => {
  // Packages whose types the consumer's code and the package's declarations share, and the peer
  // dependencies of the subpaths it imports (better-sqlite3 ships no types).
  const links = ['@sinclair/typebox', 'kysely', 'node-rdkafka', 'hyparquet-writer', 'better-sqlite3', '@types/node'];
  let root: string;

  beforeAll(() => {
    root = consumerProject(path.join(scratch, 'consumer'), packed, links);
    for (const ext of ['mts', 'cts', 'ts']) copyFileSync(path.join(__dirname, 'fixtures', 'consumer.ts'), path.join(root, `consumer.${ext}`));
  });

  // The declarations may name only what the consumer has: its dependencies and the peer
  // dependencies it installed, not their `@types` (which the package does not declare). TypeBox and
  // kysely publish CommonJS and ES module declarations whose types TypeScript holds for distinct (a
  // schema's `[Kind]` symbol, kysely's private fields): an ES module application passes ES module
  // types, so the package must declare itself with those too (dist/esm).
  it.each([
    ['an ES module (NodeNext)', 'consumer.mts', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
    ['CommonJS (NodeNext)', 'consumer.cts', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
    ['a bundler', 'consumer.ts', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
    // TypeScript 5's resolution for `"module": "commonjs"`, which reads no `exports`: the subpaths' types come from `typesVersions`.
    ['CommonJS (node10)', 'consumer.ts', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }],
  ])('compile in %s', (_, file, options) => {
    expect(typeErrors(root, [file], options)).toEqual([]);
  }, 30_000);
});

/**
 * The consumer's environment without NODE_PATH: pnpm's bin shims (jest's among them) set it to the
 * workspace's hoisted packages, where a child would find every optional peer the consumer lacks.
 */
const isolated = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_PATH'));

describe("a consumer's runtime", () => {
  let root: string;

  // Only the package's dependencies and its required peer: importing the core and the test driver
  // must load no optional peer (nothing native), or they fail here.
  beforeAll(() => {
    root = consumerProject(path.join(scratch, 'runtime'), packed, ['@sinclair/typebox', 'winston']);
    for (const file of ['driver-smoke.cjs', 'driver-smoke.mjs']) copyFileSync(path.join(__dirname, 'fixtures', file), path.join(root, file));
  });

  it.each(['driver-smoke.cjs', 'driver-smoke.mjs'])('runs the test driver from %s', (file) => {
    const stdout = execFileSync(process.execPath, [file], { cwd: root, env: isolated, encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual([['a', 2]]);
  }, 30_000);

  it("says what to install when localBackend's lock needs better-sqlite3 and it is missing", () => {
    copyFileSync(path.join(__dirname, 'fixtures', 'lock-smoke.cjs'), path.join(root, 'lock-smoke.cjs'));
    const stdout = execFileSync(process.execPath, ['lock-smoke.cjs'], { cwd: root, env: isolated, encoding: 'utf8', timeout: 20_000 });
    expect(stdout.trim()).toBe('refused: localBackend locks its state directory through better-sqlite3, an optional peer dependency of @pipeline/streams: pnpm add better-sqlite3@^12');
  }, 30_000);
});

describe("a consumer's runtime with better-sqlite3", () => {
  it("locks a state directory with localBackend, loading better-sqlite3 from the package's dist", () => {
    const root = consumerProject(path.join(scratch, 'runtime-sqlite'), packed, ['@sinclair/typebox', 'winston', 'better-sqlite3']);
    copyFileSync(path.join(__dirname, 'fixtures', 'lock-smoke.cjs'), path.join(root, 'lock-smoke.cjs'));
    const stdout = execFileSync(process.execPath, ['lock-smoke.cjs'], { cwd: root, env: isolated, encoding: 'utf8', timeout: 20_000 });
    expect(stdout.trim()).toBe('claimed');
  }, 30_000);
});
