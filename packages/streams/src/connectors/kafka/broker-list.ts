/**
 * Why a `metadata.broker.list` value would not reach the brokers it names, or undefined when each
 * entry is `[protocol://]host[:port]` with a port of 1-65535. The entries are read as librdkafka
 * reads them: a port only after a single ':' or after ']' (a bare IPv6 address has none), a path
 * after `protocol://` dropped, empty entries skipped.
 *
 * librdkafka takes more than it should: `127.0.0.1:90920` becomes port 25384 (modulo 65536) and is
 * retried for ever. Checked at start, the mistake names itself.
 */
export function brokerListProblem(brokers: string): string | undefined {
  const entries = brokers.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return 'it names no broker';
  for (const entry of entries) {
    if (/\s/.test(entry)) return `'${entry}' has a space in it`;
    const prefixed = /^[A-Za-z_]+:\/\//.exec(entry);
    const address = prefixed ? entry.slice(prefixed[0].length).replace(/\/.*$/, '') : entry;
    let port: string | undefined;
    if (address.startsWith('[')) {
      const close = address.indexOf(']');
      if (close < 0) return `'${entry}' has an unclosed '['`;
      const rest = address.slice(close + 1);
      if (rest !== '') {
        if (!rest.startsWith(':')) return `'${entry}' has '${rest}' after its IPv6 address`;
        port = rest.slice(1);
      }
    } else {
      const colons = address.split(':').length - 1;
      if (address === '' || address.startsWith(':') && colons === 1) return `'${entry}' has no host`;
      if (colons === 1) port = address.slice(address.indexOf(':') + 1);
    }
    if (port === undefined) continue;
    if (!/^[0-9]+$/.test(port)) return `port '${port}' is not a number`;
    const number = Number(port);
    if (number < 1 || number > 65535) return `port ${port} is out of range`;
  }
  return undefined;
}
