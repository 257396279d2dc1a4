import type { Operator } from '../operators/operator';
import type { Node } from '../topology/nodes';
import { failureWithoutRecord } from './processing-failure';
import type { StreamRecord } from './record';

/**
 * The operator, with what the application's code throws in it caught where it happened.
 *
 * In `process`: the failure is the record's, handed to `failed` (the source's processingErrors
 * then dead-letter the record or stop the app). The operator stops handling that record; each
 * caller's `process` is guarded too, so an operator above goes on with its other children and
 * its other windows.
 *
 * As time moves or at a commit (an aggregator's `result` as a window closes or is emitted): no
 * record is behind it, so the app stops, with a message naming the operator. Not caught there, the
 * error would reach the `process` of whatever record moved the watermark (a groupBy above, in
 * process) and be taken for that record's failure.
 *
 * Nodes that run none of the application's code are left as they are.
 */
export function guarded(node: Node, operator: Operator, failed: (record: StreamRecord, error: unknown) => void): Operator {
  if (node.kind === 'source' || node.kind === 'late' || node.kind === 'sink' || (node.kind === 'groupBy' && node.selector === undefined)) return operator;
  const { advanceWatermark, advanceWallClock, beforeCommit } = operator;
  return {
    process: (record) => {
      try {
        operator.process(record);
      } catch (error) {
        failed(record, error);
      }
    },
    ...(advanceWatermark && {
      advanceWatermark: (watermark: number) => {
        try {
          advanceWatermark(watermark);
        } catch (error) {
          throw failureWithoutRecord(node, 'as event time moved', error);
        }
      },
    }),
    ...(advanceWallClock && {
      advanceWallClock: (now: number) => {
        try {
          return advanceWallClock(now);
        } catch (error) {
          throw failureWithoutRecord(node, 'as the wall clock moved', error);
        }
      },
    }),
    ...(beforeCommit && {
      beforeCommit: () => {
        try {
          beforeCommit();
        } catch (error) {
          throw failureWithoutRecord(node, 'emitting its results at a commit', error);
        }
      },
    }),
  };
}
