import { parquetSink } from '../../../src/connectors/parquet';
import { open, Row } from './lake-helpers';

// hyparquet-writer is an optional peer dependency: here it is made to fail to load, as when it is
// not installed. The subpath still imports and sinks are still declared; opening one names the fix.
jest.mock('hyparquet-writer', () => {
  throw new Error("Cannot find module 'hyparquet-writer'");
});

it('loads hyparquet-writer only when a sink opens, and names the install command when it is missing', async () => {
  const sink = parquetSink({ dir: '/nonexistent/lake', schema: Row });
  expect(sink.kind).toBe('parquet');
  await expect(open(sink)).rejects.toThrow('the parquet sink needs hyparquet-writer 0.17: pnpm add hyparquet-writer@^0.17.0');
});
