import { classifyError } from '../../../src/connectors/postgres/classify-error';
import { countsSink } from './records';
import { DATABASE_URL, recordingLogger, scratchSchema, type Scratch } from './scratch-db';

/** An error as `pg` builds it from a server's ErrorResponse. */
const serverError = (code: string, message: string, extra: Record<string, string> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('classifyError', () => {
  it.each([
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57014', 'canceling statement due to statement timeout'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
  ])('retries SQLSTATE %s', (code, message) => {
    expect(classifyError(serverError(code, message), 't')).toMatchObject({ transient: true, description: expect.stringContaining(`(${code})`) as unknown });
  });

  it.each([
    ['28P01', 'password authentication failed for user "app"', 'the server refused the credentials: password authentication failed for user "app" (28P01)'],
    ['3D000', 'database "nope" does not exist', 'database "nope" does not exist (3D000)'],
    ['42P01', 'relation "streams_sink_offsets" does not exist', 'table "streams_sink_offsets" does not exist (42P01); create it before starting (e.g. run init-db.sql)'],
    ['22003', 'value "99999999999999999999" is out of range for type bigint', 'a value does not fit its column: value "99999999999999999999" is out of range for type bigint (22003)'],
    // In class 08 (connection), but a statement over the protocol's limits fails the same way every time.
    [
      '08P01',
      'bind message has 4464 parameter formats but 0 parameters',
      "the statement is over what PostgreSQL's protocol carries (more than 65,535 parameters): bind message has 4464 parameter formats but 0 parameters (08P01)",
    ],
  ])('gives up at once on SQLSTATE %s', (code, message, description) => {
    expect(classifyError(serverError(code, message), 't')).toEqual({ transient: false, description });
  });

  it('retries socket failures and dropped connections, and names them', () => {
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED', address: '10.0.0.1', port: 5432 }), 't')).toEqual({
      transient: true,
      description: 'connection refused to 10.0.0.1:5432 (ECONNREFUSED)',
    });
    expect(classifyError(new Error('Connection terminated unexpectedly'), 't').transient).toBe(true);
    expect(classifyError(new TypeError('Cannot read properties of undefined'), 't').transient).toBe(false);
  });
});

describe('an unknown database', () => {
  let scratch: Scratch;
  beforeAll(async () => {
    scratch = await scratchSchema('classify');
  });
  afterAll(() => scratch.drop());

  it('fails at open without retrying', async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = '/streams_no_such_database';
    const logger = recordingLogger();
    await expect(countsSink({ db: scratch.db({ url: url.toString() }) }).open({ applicationId: 'x', nodeName: 'to-1', logger })).rejects.toThrow(
      'postgres sink page_view_counts: database "streams_no_such_database" does not exist (3D000)',
    );
    expect(logger.lines).toEqual([]);
  });
});
