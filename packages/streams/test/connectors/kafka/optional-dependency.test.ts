// node-rdkafka is an optional peer dependency: here it is made to fail to load, as when it is not
// installed. Importing the subpath then names what to install, as /postgres and /sqlite do.
jest.mock('node-rdkafka', () => {
  throw Object.assign(new Error("Cannot find module 'node-rdkafka' from 'src/connectors/kafka/peer-dependencies.ts'"), { code: 'MODULE_NOT_FOUND' });
});

it('names the install command when node-rdkafka is missing', async () => {
  await expect(import('../../../src/connectors/kafka')).rejects.toThrow('@pipeline/streams/kafka needs node-rdkafka: pnpm add node-rdkafka@^3.6');
});
