import { Type } from '@sinclair/typebox';
import type { Sink } from '../../../src';
import { parquetSink } from '../../../src/connectors/parquet';
import { Event } from '../../support/events';

// The lake of disk-failures.test.ts, made from plain data so that it runs in process or in a sink
// thread (loaded there): every event, files of 50 rows.

const LakeEvent = Type.Object({ ...Event.properties, event_time: Type.String({ format: 'date-time' }) });

export function diskLakeSink(dir: string): Sink<Event> {
  return parquetSink({ dir, schema: LakeEvent, rollRows: 50, name: 'lake' });
}
