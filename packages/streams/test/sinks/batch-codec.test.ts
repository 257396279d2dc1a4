import { packBatch, unpackBatch } from '../../src/sinks/thread/batch-codec';
import type { SinkRecord } from '../../src';

describe('the batch codec of sink threads', () => {
  it('gives back every field of every record, through a structured clone', () => {
    const records: SinkRecord<unknown>[] = [
      { value: { user: 'u1', at: new Date(5) }, timestamp: 1, key: 'u1', origin: { topic: 'a', partition: 0, offset: 7, watermark: -120_000 } },
      { value: 2, timestamp: 2, key: null, origin: { topic: 'b', partition: 2, offset: 2 ** 40, watermark: 5 } },
      { value: 'gone', timestamp: 3, key: 9, retract: true },
      { value: [1, 2], timestamp: 4, origin: { topic: 'a', partition: 1, offset: 0, watermark: -Infinity } },
      { value: 'keyed again', timestamp: 5, key: 'k', origin: { topic: 'a', partition: 1, offset: 1, watermark: 0 } },
    ];
    const { batch, transfer } = packBatch(records);
    const copy = structuredClone(batch, { transfer });
    expect(batch.timestamps.byteLength).toBe(0); // moved, not copied
    // As the sink operator makes them: key and origin present, undefined when there is none.
    expect(unpackBatch(copy)).toStrictEqual([
      { value: { user: 'u1', at: new Date(5) }, timestamp: 1, key: 'u1', origin: { topic: 'a', partition: 0, offset: 7, watermark: -120_000 } },
      { value: 2, timestamp: 2, key: null, origin: { topic: 'b', partition: 2, offset: 2 ** 40, watermark: 5 } },
      { value: 'gone', timestamp: 3, key: 9, origin: undefined, retract: true },
      { value: [1, 2], timestamp: 4, key: undefined, origin: { topic: 'a', partition: 1, offset: 0, watermark: -Infinity } },
      { value: 'keyed again', timestamp: 5, key: 'k', origin: { topic: 'a', partition: 1, offset: 1, watermark: 0 } },
    ]);
    expect(copy.topics).toEqual(['a', 'b']);
  });

  it('packs a batch without keys without a key array', () => {
    const { batch } = packBatch([{ value: 1, timestamp: 1 }]);
    expect(batch.keys).toBeUndefined();
    expect(unpackBatch(batch)).toStrictEqual([{ value: 1, timestamp: 1, key: undefined, origin: undefined }]);
    expect(unpackBatch(packBatch([]).batch)).toStrictEqual([]);
  });
});
