/**
 * Writes `dist/esm/`: the package's declarations again, as ES module declarations, for the
 * applications that `import` it (the `import` condition of package.json's exports). The
 * JavaScript stays CommonJS, which an ES module imports by name.
 *
 * Why: TypeBox and kysely publish a CommonJS and an ES module set of declarations, and TypeScript
 * holds the two sets' types for distinct (a schema's `[Kind]` symbol, a `Kysely`'s private fields).
 * `dist/*.d.ts` are CommonJS declarations, so they name the CommonJS set; an ES module application
 * holds the other, and passing its schema to `source()`, or its `Kysely` to `postgresSink`, did
 * not compile. Declarations in a `"type": "module"` folder resolve their imports as the
 * application does. Run after `tsc -p tsconfig.build.json` (the package's `build`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const DIST = path.resolve(__dirname, '..', 'dist');
const OUT = path.join(DIST, 'esm');

/** An ES module names a file, not a module id: `./x` becomes `./x.js` or `./x/index.js`, as exists. */
function withExtension(fromFile: string, specifier: string): string {
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (isFile(`${target}.d.ts`)) return `${specifier}.js`;
  if (isFile(path.join(target, 'index.d.ts'))) return `${specifier}/index.js`;
  throw new Error(`${path.relative(DIST, fromFile)}: cannot find the declarations of '${specifier}'`);
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The relative module specifiers of a declaration file (imports, exports and `import("…")` types). */
function relativeSpecifiers(source: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
        ? node.moduleSpecifier
        : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
          ? node.argument.literal
          : undefined;
    if (specifier !== undefined && ts.isStringLiteralLike(specifier) && specifier.text.startsWith('.')) found.push(specifier);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function esmDeclaration(file: string): string {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  let out = text;
  // From the last specifier to the first, so that earlier positions stay valid.
  for (const literal of relativeSpecifiers(source).reverse()) {
    const start = literal.getStart(source) + 1; // after the opening quote
    out = out.slice(0, start) + withExtension(file, literal.text) + out.slice(start + literal.text.length);
  }
  // The source map belongs to the CommonJS declaration beside the sources' layout, not to this copy.
  return out.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

rmSync(OUT, { recursive: true, force: true });
const declarations = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));
for (const relative of declarations) {
  const target = path.join(OUT, relative);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, esmDeclaration(path.join(DIST, relative)));
}
writeFileSync(path.join(OUT, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
console.log(`esm-declarations: ${declarations.length} files in ${path.relative(process.cwd(), OUT)}`);
