/**
 * Why a `metadata.broker.list` value would not reach the brokers it names, or undefined when each
 * entry is `[protocol://]host[:port]` (IPv6 hosts in brackets) with a port of 1-65535.
 *
 * librdkafka takes more than it should: `127.0.0.1:90920` becomes port 25384 (modulo 65536) and is
 * retried for ever, and an empty entry is skipped. Checked at start, the mistake names itself.
 */
export function brokerListProblem(brokers: string): string | undefined {
  for (const raw of brokers.split(',')) {
    const entry = raw.trim();
    if (entry === '') return 'an entry is empty';
    if (/\s/.test(entry)) return `'${entry}' has a space in it`;
    const address = entry.replace(/^[A-Za-z_]+:\/\//, '');
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
      const colon = address.lastIndexOf(':');
      if (colon === 0) return `'${entry}' has no host`;
      if (colon > 0) port = address.slice(colon + 1);
    }
    if (port === undefined) continue;
    if (!/^[0-9]+$/.test(port)) return `port '${port}' is not a number`;
    const number = Number(port);
    if (number < 1 || number > 65535) return `port ${port} is out of range`;
  }
  return undefined;
}
