import { ConfigError, loadConfig } from '../src/config';
import { redactedUrl } from '../src/redacted-url';

// DATABASE_URL may hold a password. A wrong one was echoed whole in the start's configuration
// error (a scheme other than postgres://), printing the password to the terminal and to whatever
// collects the logs; and one that does not parse (a bad port) passed the check, then stopped the
// running pipeline with 'postgres sink page_view_counts: Invalid URL' (exit 1, not naming the
// variable), and made `pnpm verify` crash with the whole URL in the error. Both are refused at
// start now, naming DATABASE_URL with '***' for the password.

const SECRET = 's3cr%t';

function refusal(url: string): string {
  try {
    loadConfig({ DATABASE_URL: url });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`DATABASE_URL ${url} was accepted`);
}

it.each([
  ['a scheme other than postgres://', `postgresql+asyncpg://app:${SECRET}@db.internal:5432/pipeline`, 'postgresql+asyncpg://app:***@db.internal:5432/pipeline'],
  ['a URL that does not parse', `postgres://app:${SECRET}@db.internal:notaport/pipeline`, 'postgres://***@db.internal:notaport/pipeline'],
  ['a compound scheme', `jdbc:postgresql://app:${SECRET}@db.internal/pipeline`, 'jdbc:postgresql://***@db.internal/pipeline'],
  ['a password as a parameter', `jdbc:postgresql://db.internal/pipeline?user=app&password=${SECRET}`, 'jdbc:postgresql://db.internal/pipeline?user=app&password=***'],
])('%s is refused at start, named without its password', (_, url, shown) => {
  const message = refusal(url);
  expect(message).toBe(`invalid configuration:\n  - DATABASE_URL must be a postgres:// URL, got '${shown}'`);
  expect(message).not.toContain(SECRET);
});

// A generated password often holds a character a URL reserves ('/' in base64): written as it is,
// that is what makes the URL fail to parse, so that error must hide it too.
it.each(['pa/ss', 'pa#ss', 'pa?ss'])('a password holding %s is hidden in the refusal', (password) => {
  const message = refusal(`postgres://app:${password}@db.internal:5432/pipeline`);
  expect(message).toBe("invalid configuration:\n  - DATABASE_URL must be a postgres:// URL, got 'postgres://***@db.internal:5432/pipeline'");
});

// What verify prints of an accepted URL: the password hidden where the parser finds it, even
// after an '@' in the user name (Azure's user@server), and an '@' in a parameter left alone.
it.each([
  ['postgres://app@srv:s3cret@db:5432/pipeline', 'postgres://app%40srv:***@db:5432/pipeline'],
  ['postgres://db.internal:5432/pipeline?user=app@tenant', 'postgres://db.internal:5432/pipeline?user=app@tenant'],
  ['postgres://app:s3cret@db:5432/p?application_name=me@host', 'postgres://app:***@db:5432/p?application_name=me@host'],
  ['postgres:///pipeline?host=/var/run/postgresql', 'postgres:///pipeline?host=/var/run/postgresql'],
])('an accepted %s is shown as %s', (url, shown) => {
  expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  expect(redactedUrl(url)).toBe(shown);
});

it('the URLs PostgreSQL clients take still pass: a socket directory, IPv6, parameters', () => {
  for (const url of ['postgres:///pipeline?host=/var/run/postgresql', 'postgresql://[::1]:5432/pipeline', 'postgres://app:s3cret@db:5432/pipeline?sslmode=verify-full']) {
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  }
});
