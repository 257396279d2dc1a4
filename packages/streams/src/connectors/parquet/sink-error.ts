/**
 * An error that says which sink it is and, for a file system error, what it was doing: the
 * runtime stops with this message, and `ENOSPC: no space left on device, write` alone names
 * neither the lake nor the file. An error that already names the sink is left as it is.
 * @example throw sinkError('lake', error, `cannot stage 50 rows in ${path}`); // 'parquet sink lake: cannot stage 50 rows in …: ENOSPC: …'
 */
export function sinkError(name: string, error: unknown, doing?: string): Error {
  // Not `instanceof Error`: an error of another realm (a vm context, a worker) is one too.
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : String(error);
  if (message.startsWith(`parquet sink ${name}:`)) return error as Error;
  return new Error(`parquet sink ${name}: ${doing === undefined ? '' : `${doing}: `}${message}`, { cause: error });
}
