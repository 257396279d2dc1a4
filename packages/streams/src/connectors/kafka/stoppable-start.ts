/** Thrown inside `KafkaStreams.start()` when `stop()` came before the runtime had connected. */
export class StopBeforeStart extends Error {
  constructor() {
    super('stopped before the runtime had connected to kafka');
  }
}

/**
 * Waits for `work` (a client's connect, which librdkafka retries up to its timeout) unless the
 * runtime is asked to stop first: then this throws StopBeforeStart at once, and `release` gets
 * what the work makes if it still succeeds (a client that connected after all, to disconnect).
 * A SIGINT while the broker cannot be reached stops the app now, not after the connect's 30 s.
 * @example clients = await unlessStopped(connectProducers(...), stopRequested, closeProducers);
 */
export async function unlessStopped<T>(work: Promise<T>, stopRequested: Promise<void>, release: (made: T) => Promise<unknown>): Promise<T> {
  const stopped = Symbol('stopped');
  const first = await Promise.race([work, stopRequested.then(() => stopped)]);
  if (first !== stopped) return first as T;
  work.then(release, () => undefined).catch(() => undefined);
  throw new StopBeforeStart();
}
