/** Errors that stop the app whatever a source's processingErrors say. */
const stopping = new WeakSet<object>();

/**
 * Marks an error raised while an operator handles a record that is not the record's fault: the
 * topology asks what cannot be done, a producer failed, a state store could not save another
 * key. Dead-lettered as the record's, every record would follow it, one by one (see
 * SourceOptions.processingErrors).
 * @example throw stopsTheAppWith(new Error('…'));
 */
export function stopsTheAppWith<E extends Error>(error: E): E {
  stopping.add(error);
  return error;
}

export function stopsTheApp(error: unknown): boolean {
  return typeof error === 'object' && error !== null && stopping.has(error);
}
