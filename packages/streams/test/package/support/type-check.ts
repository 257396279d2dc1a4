import path from 'node:path';
import ts from 'typescript';

/**
 * Type-checks `files` of a consumer project with `tsc --strict` settings and the libraries'
 * declarations checked too (no `skipLibCheck`), and returns the errors as tsc prints them.
 * `@types` come from the project only, not from the workspace.
 */
export function typeErrors(root: string, files: readonly string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(
    files.map((file) => path.join(root, file)),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')], ...options },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(root, d.file.fileName)}:${line + 1}: ${text}`;
  });
}
