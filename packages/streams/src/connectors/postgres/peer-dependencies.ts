/**
 * `kysely` and `pg` are optional peer dependencies: an application that never imports this
 * subpath does not need them. One that does gets the command to run instead of a bare
 * "Cannot find module". Imported first by `index.ts`, before anything loads them.
 */
const missing = ['kysely', 'pg'].filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  throw new Error(`@pipeline/streams/postgres needs ${missing.join(' and ')}: pnpm add kysely@^0.28 pg@^8`);
}

export {};
