// node-rdkafka is an optional peer dependency: here it is made to fail to load, as when it is not
// installed. Importing the subpath then names what to install, as /postgres and /sqlite do.
jest.mock('node-rdkafka', () => {
  throw Object.assign(new Error("Cannot find module 'node-rdkafka' from 'src/connectors/kafka/peer-dependencies.ts'"), { code: 'MODULE_NOT_FOUND' });
});

it('names the install command when node-rdkafka is missing', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, with the mock above in place
  expect(() => require('../../../src/connectors/kafka')).toThrow('@pipeline/streams/kafka needs node-rdkafka: pnpm add node-rdkafka@^3.6');
});
