import { processInSlices } from '../../../src/connectors/kafka/process-in-slices';

describe('processInSlices', () => {
  it('processes every record once, in order, a slice at a time', async () => {
    const seen: number[][] = [];
    await processInSlices([1, 2, 3, 4, 5, 6, 7], (slice) => seen.push([...slice]), 3);
    expect(seen).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('takes each slice out of the batch before processing it, so the batch holds only records still to process', async () => {
    const batch = [1, 2, 3, 4, 5, 6, 7];
    const leftWhileProcessing: number[][] = [];
    await processInSlices(batch, () => leftWhileProcessing.push([...batch]), 3);
    expect(leftWhileProcessing).toEqual([[4, 5, 6, 7], [7], []]);
    expect(batch).toEqual([]);
  });

  it('lets callbacks that are ready (a commit writing in the background) run between slices, not only after the batch', async () => {
    const order: string[] = [];
    // A commit's write in three steps, each continuing in a callback, as PostgreSQL's reply or
    // a file write does: each step needs a turn of the event loop.
    const commit = (async () => {
      for (const step of ['write', 'fsync', 'rename']) {
        await new Promise((resolve) => setImmediate(resolve));
        order.push(step);
      }
    })();
    await processInSlices(Array.from({ length: 4 }, (_, i) => i), (slice) => order.push(`records ${slice.join(',')}`), 1);
    await commit;
    expect(order).toEqual(['records 0', 'write', 'records 1', 'fsync', 'records 2', 'rename', 'records 3']);
  });

  it('does not give the loop a turn for a batch of one slice', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('callback'));
    await processInSlices([1, 2], (slice) => order.push(`records ${slice.join(',')}`), 5);
    order.push('done');
    expect(order).toEqual(['records 1,2', 'done']);
  });
});
