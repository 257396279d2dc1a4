/**
 * `node-rdkafka` is an optional peer dependency: an application that never imports this subpath
 * does not need it (nor its native build). One that does gets the command to run instead of a bare
 * "Cannot find module". Imported first by `index.ts`, which loads it anyway. A node-rdkafka that is
 * installed but fails to load (its native addon not built) keeps its own error, which says why.
 */
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node-rdkafka');
} catch (error) {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== 'MODULE_NOT_FOUND' || !message?.includes("'node-rdkafka'")) throw error;
  throw new Error('@pipeline/streams/kafka needs node-rdkafka: pnpm add node-rdkafka@^3.6', { cause: error });
}

export {};
