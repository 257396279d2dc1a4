import { commit, count, COUNTS_QUERY, countsSink, summarize, type CountRow } from './records';
import { DATABASE_URL, recordingLogger, scratchSchema, type Scratch } from './scratch-db';
import { tcpProxy, type TcpProxy } from './tcp-proxy';

// Each instance of a multi-instance app numbers its own commits, so two instances' commit ids
// interleave: instance b's commit 3 is not instance a's commit 3. A partition that moves from a
// to b finds in the offsets table what a stored there, under a's ids. When a COMMIT's outcome is
// unknown (the connection died while it ran), the sink must tell whether *its* transaction went
// through, not whether some commit with the same id and offsets did.

let scratch: Scratch;
let proxy: TcpProxy;
beforeAll(async () => {
  scratch = await scratchSchema('commit_ids');
  const target = new URL(DATABASE_URL);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
});
afterAll(async () => {
  await proxy.down();
  await scratch.drop();
});
beforeEach(() => scratch.admin.query('truncate page_view_counts; drop table if exists streams_sink_offsets'));

/** The scratch database, reached through the proxy. */
function proxiedUrl(): string {
  const url = new URL(scratch.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

const context = (logger = recordingLogger()) => ({ applicationId: 'moving-app', nodeName: 'to-1', logger });
const p0At = (offset: number) => [{ topic: 'events', partition: 0, offset }];

it("writes a lost COMMIT again, though another instance's commit with the same id and offsets is stored", async () => {
  // Instance a: its commit 3 covers events:0 up to offset 10. Then the partition moves to b.
  const a = await countsSink({ db: scratch.db(), exactlyOnce: true }).open(context());
  await a.recover!(p0At(0));
  a.write([count('/a', 0, 5)]);
  await a.flush(commit(3, p0At(10)));
  await a.close();

  // Instance b resumes events:0 at 10. Its own third commit reads nothing new from the partition
  // (a result of a timer or an idle partition's watermark), so it carries the same id and the
  // same offsets as a's. Its COMMIT is lost on the way: the transaction rolled back.
  const logger = recordingLogger();
  const b = await countsSink({ db: scratch.db({ url: proxiedUrl() }), exactlyOnce: true, retry: { initialDelayMs: 10 } }).open(context(logger));
  await b.recover!(p0At(10));
  b.write([count('/a', 1, 7)]);
  proxy.cutBefore('commit\u0000'); // the simple-query message of COMMIT
  await b.flush(commit(3, p0At(10)));
  await b.close();

  expect(summarize(await scratch.rows<CountRow>(COUNTS_QUERY))).toEqual(['/a@0=5', '/a@1=7']);
  expect(logger.lines.map((l) => l.message)).not.toContain('postgres sink page_view_counts: the failed COMMIT had gone through; not writing again');
});

it('does not write again when its own COMMIT went through but the reply was lost (any commit id)', async () => {
  const logger = recordingLogger();
  const writer = await countsSink({ db: scratch.db({ url: proxiedUrl() }), exactlyOnce: true, retry: { initialDelayMs: 10 } }).open(context(logger));
  await writer.recover!(p0At(10));
  writer.write([count('/a', 1, 7)]);
  proxy.loseReplyTo('commit\u0000');
  await writer.flush(commit(3, p0At(12)));
  await writer.close();
  expect(summarize(await scratch.rows<CountRow>(COUNTS_QUERY))).toEqual(['/a@1=7']);
  expect(logger.lines.map((l) => l.message)).toContain('postgres sink page_view_counts: the failed COMMIT had gone through; not writing again');
});
