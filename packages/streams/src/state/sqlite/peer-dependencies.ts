/**
 * `better-sqlite3` is an optional peer dependency: an application that keeps its state in memory
 * never loads it. One that imports this subpath gets the command to run instead of a bare
 * "Cannot find module". Imported first by `index.ts`.
 */
try {
  require.resolve('better-sqlite3');
} catch {
  throw new Error('@pipeline/streams/sqlite needs better-sqlite3: pnpm add better-sqlite3@^12');
}

export {};
