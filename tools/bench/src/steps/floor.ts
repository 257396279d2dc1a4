import type { ScratchDatabase } from '@pipeline/stack/scratch-database';
import type { PipelineTargets } from '../infra/scratch';
import { fullPipeline, type PipelineResult } from './full-pipeline';

/**
 * The floor: the app's own source (JSON, TypeBox, dead letters) and its enriched branch into the
 * enriched topic, nothing else, run and timed exactly as the full pipeline is. It is the least
 * every event costs the app through this client and runtime: the pipeline cannot be faster.
 */
export function floor(
  targets: PipelineTargets,
  db: ScratchDatabase,
  expected: { records: number; valid: number; invalid: number },
  stamp: string,
): Promise<PipelineResult> {
  return fullPipeline(targets, db, expected, { stamp, shape: 'decode-to-enriched' });
}
