import type { Config } from '../config';
import { fail, pass, type CheckResult } from './report';

const START_HINT = 'start it with `pnpm --filter activity-pipeline start` (same environment), then run verify again';

/** The pipeline's address: the same HTTP_PORT as the app, on this host. */
export const pipelineUrl = (config: Config) => `http://127.0.0.1:${config.httpPort}`;

/** Asks the running pipeline's /health whether it is up. */
export async function checkPipeline(config: Config): Promise<CheckResult> {
  const url = `${pipelineUrl(config)}/health`;
  if (config.httpPort === 0) return fail('pipeline', `HTTP_PORT is 0 (any free port): verify cannot find the pipeline; set the port it listens on`);
  let status: number;
  let body: { state?: string; assigned?: string[]; lag?: Record<string, number> };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    status = res.status;
    body = (await res.json()) as typeof body;
  } catch (error) {
    const why = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return fail('pipeline', `not running: nothing answers at ${url} (${why})\n${START_HINT}`);
  }
  if (status !== 200) return fail('pipeline', `not healthy: ${url} answers ${status}, state ${body.state ?? '?'}\nsee its log; restart it with \`pnpm --filter activity-pipeline start\``);
  const lag = Object.values(body.lag ?? {}).reduce((a, b) => a + b, 0);
  return pass('pipeline', `${body.state ?? '?'} (${url}): ${body.assigned?.length ?? 0} partitions assigned, lag ${lag}`);
}
