import { parquetSink } from '../../../src/connectors/parquet';
import { open, Row } from './lake-helpers';

// @dsnp/parquetjs is an optional peer dependency: here it is made to fail to load, as when it is
// not installed. The subpath still imports and sinks are still declared; opening one names the fix.
jest.mock('@dsnp/parquetjs', () => {
  throw new Error("Cannot find module '@dsnp/parquetjs'");
});

it('loads @dsnp/parquetjs only when a sink opens, and names the install command when it is missing', async () => {
  const sink = parquetSink({ dir: '/nonexistent/lake', schema: Row });
  expect(sink.kind).toBe('parquet');
  await expect(open(sink)).rejects.toThrow('the parquet sink needs @dsnp/parquetjs 1.8.8: pnpm add @dsnp/parquetjs@1.8.8');
});
