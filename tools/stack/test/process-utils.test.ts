import { isAlive, isKafkaBroker, parseProcessStat, processIds, readProcessStat } from '../src/process-utils';

describe('process stat lines', () => {
  it('reads state, user + system ticks and start of a process whose name holds spaces and parentheses', () => {
    // Fields 14-15 (utime, stime) are 123 and 45; field 22 (starttime) is 777.
    const stat = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 123 45 6 7 20 0 12 0 777 0 0';
    expect(parseProcessStat(stat)).toEqual({ comm: 'my (odd) name', state: 'S', ticks: 168, startTime: 777 });
  });

  it('gives nothing for a text that is not a stat line', () => {
    expect(parseProcessStat('')).toBeUndefined();
    expect(parseProcessStat('4242 (short) S 1 2')).toBeUndefined();
  });

  (process.platform === 'linux' ? it : it.skip)('reads this process from /proc: running, started, alive', () => {
    const stat = readProcessStat(process.pid)!;
    expect(stat.state).toBe('R');
    expect(stat.startTime).toBeGreaterThan(0);
    expect(isAlive(process.pid)).toBe(true);
    expect(processIds()).toContain(process.pid);
    expect(readProcessStat(process.pid, process.pid)?.ticks).toBeLessThanOrEqual(stat.ticks);
  });
});

describe('a Kafka broker among processes', () => {
  it("is told by its JVM's main class, not by a path that mentions it", () => {
    expect(isKafkaBroker(['java', '-Xmx1g', '-cp', '/x/kafka.Kafka-libs/*', 'kafka.Kafka', '/x/server.properties'])).toBe(true);
    expect(isKafkaBroker(['java', '-cp', '/x/kafka.Kafka-libs/*', 'org.example.Main'])).toBe(false);
  });
});
