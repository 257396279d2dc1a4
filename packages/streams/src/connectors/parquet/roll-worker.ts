// The roll thread's entry point (started by roll-thread.ts): makes the Parquet files of rolls,
// one message per file, and answers each with the file or the error. Jobs run concurrently, as
// they did on the main thread: their file I/O overlaps.
import { parentPort } from 'node:worker_threads';
import { loadHyparquetWriter } from './load-hyparquet-writer';
import { writeRollFile } from './roll-file';
import type { RollReply, RollRequest } from './roll-thread';

const port = parentPort;
if (port === null) throw new Error('roll-worker.ts runs as a worker thread of the parquet sink (see roll-thread.ts)');

port.on('message', (request: RollRequest) => {
  loadHyparquetWriter()
    .then((lib) => writeRollFile(request.job, lib))
    .then(
      (file): RollReply => ({ id: request.id, file }),
      (error: unknown): RollReply => ({ id: request.id, error: error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error) } }),
    )
    .then((reply) => port.postMessage(reply));
});
