import path from 'node:path';
import ts from 'typescript';

/**
 * Type-checks `files` of a consumer project with `tsc --strict` settings and the package's
 * declarations checked too (no `skipLibCheck` for them), and returns the errors as tsc prints them.
 * `@types` come from the project only, not from the workspace.
 *
 * Diagnostics are collected for the consumer's files and the files of `@pipeline/streams` in the
 * project's `node_modules` only (with the program's options and global diagnostics), not for
 * @types/node, kysely, TypeBox and the rest, whose own declarations are not this package's to
 * check and took almost all of the time (getPreEmitDiagnostics checks some 700 files). What the
 * package's declarations ask of them is still checked: their types are resolved wherever the
 * consumer's code or the package's declarations use them.
 */
export function typeErrors(root: string, files: readonly string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(
    files.map((file) => path.join(root, file)),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')], ...options },
  );
  const rootFiles = new Set(program.getRootFileNames().map((file) => path.resolve(file)));
  const packageDir = path.join(root, 'node_modules', '@pipeline', 'streams') + path.sep;
  const checked = program.getSourceFiles().filter((sf) => rootFiles.has(path.resolve(sf.fileName)) || path.resolve(sf.fileName).startsWith(packageDir));
  // Resolved anywhere else (a symlink followed out of the project), the package would go unchecked.
  if (!checked.some((sf) => sf.fileName.startsWith(packageDir))) throw new Error(`no file of ${packageDir} in the program of ${files.join(', ')}`);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...checked.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
    // After the files: the checker adds some global diagnostics while it checks them.
    ...program.getGlobalDiagnostics(),
  ];
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(root, d.file.fileName)}:${line + 1}: ${text}`;
  });
}
