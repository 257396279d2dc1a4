/**
 * Sorts a failed statement into "try again" and "give up", and says what went wrong in plain words.
 * Retrying a permanent error only delays the message the operator needs (a missing table stays
 * missing); giving up on a transient one would stop the pipeline for a database restart.
 */
export interface ClassifiedError {
  readonly transient: boolean;
  /** What happened, for a person: `table "x" does not exist (42P01)`. */
  readonly description: string;
}

/** The fields of a `pg` DatabaseError (and of Node's system errors) that matter here. */
interface ErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly table?: unknown;
  readonly column?: unknown;
  readonly constraint?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly errors?: unknown;
}

/** Socket-level failures: the server is down, restarting, or the network dropped the connection. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while writing',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'host name lookup failed temporarily',
};

/** `pg` reports a dropped connection with these messages and no code. */
const DROPPED_CONNECTION = /connection terminated|not queryable|timeout exceeded when trying to connect|server closed the connection/i;

/**
 * SQLSTATEs (exact or by two-character class) worth retrying: the next attempt may well succeed.
 * 57014 (query_canceled) is what a `statement_timeout` gives: the statement waited too long, most
 * often behind another session's lock or a busy server, the same trouble as 55P03 (a
 * `lock_timeout`). Were it permanent, a lock held a moment longer than the timeout would stop the
 * app; a statement that always takes too long still fails once the attempts are used up.
 */
const TRANSIENT_STATES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03']);
const TRANSIENT_CLASSES = new Set(['08', '53']);
/**
 * In a transient class, but the same at every try: 08P01 (protocol_violation) is what the server
 * answers a statement over the protocol's limits (more than 65,535 parameters).
 */
const PERMANENT_STATES = new Set(['08P01']);

/** The SQLSTATE of a `pg` error (or the code of a Node system error), if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `table` names the sink's table when the server's message does not say which one is missing.
 * @example
 * const { transient, description } = classifyError(error, 'counts');
 * if (!transient) throw new Error(`postgres sink counts: ${description}`);
 */
export function classifyError(error: unknown, table: string): ClassifiedError {
  const fields = fieldsOf(error);
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error);
  if (code !== undefined && NETWORK_CODES[code] !== undefined) {
    const where = typeof fields.address === 'string' ? ` to ${fields.address}${typeof fields.port === 'number' ? `:${fields.port}` : ''}` : '';
    return { transient: true, description: `${NETWORK_CODES[code]}${where} (${code})` };
  }
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) {
    return { transient: DROPPED_CONNECTION.test(message), description: message };
  }
  const transient = !PERMANENT_STATES.has(code) && (TRANSIENT_STATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2)));
  if (code === '42P01') return { transient, description: missingTable(/relation "([^"]+)" does not exist/.exec(message)?.[1] ?? table) };
  return { transient, description: `${describeState(code, message, fields)} (${code})` };
}

/**
 * The message for a table that does not exist, at open or at a flush.
 * @example missingTable('page_view_counts') // 'table "page_view_counts" does not exist (42P01); create it before starting (e.g. run init-db.sql)'
 */
export function missingTable(table: string): string {
  return `table "${table}" does not exist (42P01); create it before starting (e.g. run init-db.sql)`;
}

function describeState(code: string, message: string, fields: ErrorFields): string {
  const detail = typeof fields.detail === 'string' ? `; ${fields.detail}` : '';
  switch (code) {
    case '42703':
      return `${message}; the row mapper returns a column the table does not have`;
    case '42P10':
      return `the key columns are not the table's primary key or a unique index, which ON CONFLICT needs`;
    case '42501':
      return `permission denied: ${message}`;
    case '3D000':
      return message; // `database "x" does not exist`
    case '57014':
      return `the statement was cancelled (a statement_timeout, or pg_cancel_backend): ${message}`;
    case '08P01':
      return `the statement is over what PostgreSQL's protocol carries (more than 65,535 parameters): ${message}`;
    case '21000':
      return (
        `${message}: most likely two rows of one statement have the same key for PostgreSQL though not for the sink, which keeps the last row of ` +
        "each key as JavaScript tells keys apart: give key columns values that PostgreSQL compares the same way (of one type, and of the column's " +
        "own precision: a 'YYYY-MM-DD' string, not a Date, for a date column; numbers already rounded for a numeric column; no case-insensitive citext keys)"
      );
  }
  switch (code.slice(0, 2)) {
    case '22':
      return `a value does not fit its column: ${message}${detail}`;
    case '23':
      return `a row violates a constraint${typeof fields.constraint === 'string' ? ` ("${fields.constraint}")` : ''}: ${message}${detail}`;
    case '28':
      return `the server refused the credentials: ${message}`;
    case '08':
      return `connection failure: ${message}`;
    case '53':
      return `the server is out of resources: ${message}`;
    case '57':
      return `the server ended the connection or statement: ${message}`;
    case '40':
      return `the transaction was rolled back by the server: ${message}`;
  }
  return message;
}

/** Node reports a failed connection to every address of a host as an AggregateError; the first one says enough. */
function fieldsOf(error: unknown): ErrorFields {
  if (typeof error !== 'object' || error === null) return {};
  const fields = error as ErrorFields;
  if (fields.code === undefined && Array.isArray(fields.errors) && fields.errors.length > 0) return fieldsOf(fields.errors[0]);
  return fields;
}
