import { parseOptions, positiveInteger, stepList, wholeNumber } from '../src/options';

const argv = (...args: string[]) => ['node', 'main.ts', ...args];

describe('bench options', () => {
  it('defaults to the full sizes and every step', () => {
    const o = parseOptions(argv());
    expect(o).toMatchObject({ events: 1_000_000, latencyRate: 10_000, latencySeconds: 30, latencyWarmup: 10, memoryUsers: 1_000_000, out: 'bench-results', quick: false });
    expect([...o.only]).toEqual(['ceiling', 'floor', 'pipeline', 'stages', 'latency', 'memory']);
  });

  it('--quick shrinks the sizes that were not given, and ignores the `--` pnpm passes on', () => {
    expect(parseOptions(argv('--', '--quick'))).toMatchObject({ events: 100_000, latencySeconds: 10, latencyWarmup: 5, memoryUsers: 100_000 });
    expect(parseOptions(argv('--quick', '--latency-warmup', '0'))).toMatchObject({ latencySeconds: 10, latencyWarmup: 0 });
    expect(parseOptions(argv('--quick', '--events', '200_000'))).toMatchObject({ events: 200_000, memoryUsers: 100_000 });
  });

  it('reads sizes with separators and a subset of steps', () => {
    expect(positiveInteger('1,000,000')).toBe(1_000_000);
    expect(positiveInteger('1e5')).toBe(100_000);
    expect(() => positiveInteger('0')).toThrow(/positive whole number/);
    expect(wholeNumber('0')).toBe(0);
    expect(() => wholeNumber('-1')).toThrow(/whole number/);
    expect([...stepList('latency, memory')]).toEqual(['latency', 'memory']);
    expect(() => stepList('ceiling,speed')).toThrow(/expected some of/);
  });
});
