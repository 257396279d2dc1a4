import { setTimeout as sleep } from 'node:timers/promises';
import { generateEvents } from 'producer/simulation';
import { startPipelineChild } from '../child/run-child';
import type { ChildResult } from '../child/protocol';
import { partitionOf } from '../dataset';
import { BROKERS, connectConsumer, connectProducer, consume, disconnect, uniqueName } from '../infra/kafka';
import type { Scratch } from '../infra/scratch';
import { log, startProgress } from '../progress';
import { Samples, type Distribution } from '../stats';

/** How often the PostgreSQL poller looks for probe rows (start to start). */
export const POLL_MS = 15;
/** A probe page view every this many ms. */
export const PROBE_EVERY_MS = 100;

export interface LatencyResult {
  readonly targetRate: number;
  /** The measured part of the run, after the warm-up. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Events produced (probes included) and the rate achieved. */
  readonly produced: number;
  readonly achievedRate: number;
  /** Event produced → its page_view_counts row visible in PostgreSQL (probes produced after the warm-up). */
  readonly toPostgres: Distribution;
  /**
   * The same for the events produced during the warm-up: the pipeline's cold start (code not yet
   * optimized by V8, every user new to the session stores and to user_sessions).
   */
  readonly coldToPostgres: Distribution;
  readonly coldToEnriched: Distribution;
  readonly probes: { readonly sent: number; readonly seen: number };
  readonly pollMs: number;
  /** Mean duration of one poll query: the resolution is about pollMs + this. */
  readonly meanPollQueryMs: number;
  /** Event produced → its record read from the enriched topic (every record produced after the warm-up). */
  readonly toEnriched: Distribution;
  readonly enrichedReceived: number;
  /** Every probe: [ms after the run started, latency to PostgreSQL in ms]. */
  readonly probeSeries: Array<[number, number]>;
  /** Latency to the enriched topic per second of the run (by produce time): is it steady or growing? */
  readonly enrichedBySecond: Array<{ second: number; count: number; p50: number; max: number }>;
  readonly pipeline: ChildResult;
}

function eventTimeOf(value: Buffer | null | undefined): number {
  if (!value) return Number.NaN;
  try {
    return Date.parse((JSON.parse(value.toString('utf8')) as { event_time: string }).event_time);
  } catch {
    return Number.NaN;
  }
}

/**
 * Live traffic at a steady rate (event time = now) through the real pipeline, running in a child
 * process as the app would: how long until an event is in PostgreSQL and on the enriched topic.
 * The first `warmupSeconds` of traffic are the cold start, measured apart: a steady rate's
 * latency is that of a pipeline that has been running, as a benchmark's warm-up phase has it.
 */
export async function latency(scratch: Scratch, options: { rate: number; seconds: number; warmupSeconds: number; seed: number }): Promise<LatencyResult> {
  const input = await scratch.topic('bench-latency-input', 3);
  const { targets, db } = await scratch.pipelineTargets('latency', input);
  const child = startPipelineChild({ targets, mode: 'live', sampleMs: 100 });
  try {
    await child.running(90_000);

    // Every enriched record: receive time - event time. A short consume timeout, so the reader
    // itself adds at most a few ms (consume(n) returns once the queue has been empty that long).
    const reader = await connectConsumer({ 'metadata.broker.list': BROKERS, 'group.id': uniqueName('bench-latency-reader'), 'enable.auto.commit': false, 'fetch.wait.max.ms': 10 });
    reader.setDefaultConsumeTimeout(5);
    reader.assign([0, 1, 2].map((partition) => ({ topic: targets.enrichedTopic, partition, offset: 0 })));
    const toEnriched = new Samples();
    const coldToEnriched = new Samples();
    const bySecond = new Map<number, Samples>();
    let started = Number.POSITIVE_INFINITY;
    // Events produced before this are the warm-up's.
    let measuredFrom = Number.POSITIVE_INFINITY;
    let received = 0;
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        const messages = await consume(reader, 1000);
        const now = Date.now();
        for (const m of messages) {
          received++;
          const t = eventTimeOf(m.value);
          if (!Number.isFinite(t)) continue;
          (t < measuredFrom ? coldToEnriched : toEnriched).push(now - t);
          const second = Math.max(0, Math.floor((t - started) / 1000));
          let slot = bySecond.get(second);
          if (slot === undefined) bySecond.set(second, (slot = new Samples()));
          slot.push(now - t);
        }
      }
    })();

    // Probe rows in PostgreSQL: a poll every POLL_MS for the probes not seen yet.
    const outstanding = new Map<string, number>();
    const toPostgres = new Samples();
    const coldToPostgres = new Samples();
    const probeSeries: Array<[number, number]> = [];
    let polling = true;
    let polls = 0;
    let pollQueryMs = 0;
    const pollLoop = (async () => {
      while (polling) {
        const start = Date.now();
        if (outstanding.size > 0) {
          const rows = await db.query<{ page_url: string }>('SELECT page_url FROM page_view_counts WHERE page_url = ANY($1::text[])', [[...outstanding.keys()]]);
          polls++;
          pollQueryMs += Date.now() - start;
          for (const { page_url } of rows) {
            const sentAt = outstanding.get(page_url);
            if (sentAt === undefined) continue;
            (sentAt < measuredFrom ? coldToPostgres : toPostgres).push(start - sentAt);
            probeSeries.push([sentAt - started, start - sentAt]);
            outstanding.delete(page_url);
          }
        }
        await sleep(Math.max(1, POLL_MS - (Date.now() - start)));
      }
    })();

    const out = await connectProducer('bench-latency', 5);
    const records = generateEvents({ seed: options.seed, users: 10_000, pages: 100, lateEvery: 0, invalidEvery: 0, clock: Date.now });
    started = Date.now();
    measuredFrom = started + options.warmupSeconds * 1000;
    const runSeconds = options.warmupSeconds + options.seconds;
    let sent = 0;
    let probes = 0;
    let nextProbe = started + PROBE_EVERY_MS;
    const progress = startProgress({ label: `latency ${options.rate}/s`, read: () => Math.floor((Date.now() - started) / 1000), total: runSeconds, unit: 's' });
    try {
      while (Date.now() - started < runSeconds * 1000) {
        const due = Math.floor(((Date.now() - started) * options.rate) / 1000);
        while (sent < due) {
          const r = records.next().value!;
          await out.send(input, partitionOf(r.key, 3), Buffer.from(r.value), r.key);
          sent++;
        }
        if (Date.now() >= nextProbe) {
          const url = `/bench/probe/${probes++}`;
          const at = Date.now();
          const value = JSON.stringify({ event_time: new Date(at).toISOString(), user_id: 'bench-probe', page_url: url, event_type: 'page_view' });
          await out.send(input, partitionOf('bench-probe', 3), Buffer.from(value), 'bench-probe');
          outstanding.set(url, at);
          nextProbe += PROBE_EVERY_MS;
        }
        await sleep(2);
      }
      await out.drain();
    } finally {
      progress.stop();
      await out.close();
    }
    const producedIn = (Date.now() - started) / 1000;
    const produced = sent + probes;

    // The last events: wait for their rows and records (at most a minute: a pipeline that fell
    // behind has a backlog to work off, and the worst latencies are among the last events).
    const deadline = Date.now() + 60_000;
    while ((outstanding.size > 0 || received < produced) && Date.now() < deadline) await sleep(50);
    if (outstanding.size > 0 || received < produced) log(`latency: ${outstanding.size} probes never seen in PostgreSQL, ${produced - received} enriched records missing`);
    polling = false;
    reading = false;
    await pollLoop;
    await readLoop;
    await disconnect(reader);

    child.stop();
    const pipeline = await child.result;
    return {
      targetRate: options.rate,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      produced,
      achievedRate: produced / producedIn,
      toPostgres: toPostgres.distribution(),
      coldToPostgres: coldToPostgres.distribution(),
      coldToEnriched: coldToEnriched.distribution(),
      probes: { sent: probes, seen: toPostgres.length + coldToPostgres.length },
      pollMs: POLL_MS,
      meanPollQueryMs: polls > 0 ? pollQueryMs / polls : 0,
      toEnriched: toEnriched.distribution(),
      enrichedReceived: received,
      probeSeries: probeSeries.sort((a, b) => a[0] - b[0]),
      enrichedBySecond: [...bySecond]
        .sort((a, b) => a[0] - b[0])
        .map(([second, samples]) => {
          const d = samples.distribution();
          return { second, count: d.count, p50: d.p50, max: d.max };
        }),
      pipeline,
    };
  } finally {
    child.kill();
  }
}
