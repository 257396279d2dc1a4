import { closingWith, memorySink, silentLogger, type Sink } from '../../src';

const context = { applicationId: 'app', nodeName: 'n', logger: silentLogger };

describe('closingWith', () => {
  it('runs the cleanup after the writer closed, and the writer as before', async () => {
    const calls: string[] = [];
    const inner = memorySink<number>();
    const sink = closingWith(inner, async () => {
      calls.push('cleanup');
    });
    expect([sink.kind, sink.target]).toEqual(['memory', 'memory']);
    const writer = await sink.open(context);
    writer.write([{ value: 1, timestamp: 0 }]);
    expect(writer.buffered).toBe(1);
    await writer.flush({ id: 1, offsets: [] });
    expect(inner.values()).toEqual([1]);
    expect(calls).toEqual([]);
    await writer.close();
    expect(calls).toEqual(['cleanup']);
  });

  it('runs the cleanup when the writer fails to close, or to open', async () => {
    let cleanups = 0;
    const failing = (where: 'open' | 'close'): Sink<number> => ({
      kind: 'failing',
      target: where,
      async open() {
        if (where === 'open') throw new Error('no connection');
        return { write: () => {}, flush: async () => {}, close: async () => Promise.reject(new Error('close failed')) };
      },
    });
    await expect(closingWith(failing('open'), async () => void cleanups++).open(context)).rejects.toThrow('no connection');
    expect(cleanups).toBe(1);
    const writer = await closingWith(failing('close'), async () => void cleanups++).open(context);
    await expect(writer.close()).rejects.toThrow('close failed');
    expect(cleanups).toBe(2);
  });
});
