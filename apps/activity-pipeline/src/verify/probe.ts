import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config';
import type { ActivityEvent } from '../events';
import { sendAll, tail, type TailReader } from './kafka-client';
import { pipelineUrl } from './pipeline-health';
import { fail, pass, skip, type CheckResult } from './report';
import { activeUsersLookup, enrichedLookup, lakeLookup, pageViewLookup, sessionLookup, type Lookup, type Probe } from './sink-lookups';

export interface ProbeOptions {
  readonly config: Config;
  /** Partitions of the enriched topic (from the topic check). */
  readonly enrichedPartitions: number;
  /** The database, unless its checks failed (then its sinks are skipped). */
  readonly db: pg.Client | undefined;
  readonly lakeWritable: boolean;
  readonly timeoutMs: number;
  /** Progress lines while waiting. */
  readonly progress: (line: string) => void;
}

/**
 * Sends a probe through the running pipeline: a session (start, page view, end) of a new user
 * `verify-probe-<uuid>` on page `/__verify/<uuid>`, at the current time, then waits until every sink
 * has it. The probe's rows stay in the tables and the lake, recognizable by those names.
 */
export async function runProbe(options: ProbeOptions): Promise<CheckResult[]> {
  const { config } = options;
  const id = randomUUID();
  const user = `verify-probe-${id}`;
  const page = `/__verify/${id}`;
  const time = Date.now();
  const event = (offsetMs: number, event_type: ActivityEvent['event_type']): string =>
    JSON.stringify({ event_time: new Date(time + offsetMs).toISOString(), user_id: user, page_url: page, event_type } satisfies ActivityEvent);

  let reader: TailReader | undefined;
  try {
    reader = await tail(config.kafkaBrokers, config.enrichedTopic, options.enrichedPartitions);
    const sentAt = Date.now();
    const reports = await sendAll(config.kafkaBrokers, config.inputTopic, [
      { key: user, value: event(0, 'session_start') },
      { key: user, value: event(1, 'page_view') },
      { key: user, value: event(2, 'session_end') },
    ]);
    const view = reports[1]!;
    const probe: Probe = { id, user, page, time, sentAt, topic: config.inputTopic, partition: view.partition, offset: view.offset };
    options.progress(`probe ${user} sent to ${probe.topic}:${probe.partition} at offsets ${reports.map((r) => r.offset).join(', ')}; waiting up to ${options.timeoutMs / 1000} s`);

    const lookups: Array<{ name: string; lookup?: Lookup; skipped?: string }> = [
      options.db ? { name: 'page_view_counts', lookup: pageViewLookup(options.db, probe) } : { name: 'page_view_counts', skipped: 'the database or its tables failed their check' },
      options.db ? { name: 'active_users', lookup: activeUsersLookup(options.db, probe) } : { name: 'active_users', skipped: 'the database or its tables failed their check' },
      options.db ? { name: 'user_sessions', lookup: sessionLookup(options.db, probe) } : { name: 'user_sessions', skipped: 'the database or its tables failed their check' },
      options.lakeWritable ? { name: 'lake', lookup: lakeLookup(config.lakeDir, probe) } : { name: 'lake', skipped: 'the lake directory is not usable' },
      { name: config.enrichedTopic, lookup: enrichedLookup(reader, probe) },
    ];
    const found = new Map<string, { detail: string; afterMs: number }>();
    const pending = () => lookups.filter((l) => l.lookup && !found.has(l.name));
    const deadline = sentAt + options.timeoutMs;
    let nextProgress = Date.now() + 2000;
    while (pending().length > 0 && Date.now() < deadline) {
      for (const l of pending()) {
        const detail = await l.lookup!().catch(() => undefined); // a failing look (a file rolled away) is retried
        if (detail !== undefined) found.set(l.name, { detail, afterMs: Date.now() - sentAt });
      }
      if (Date.now() >= nextProgress && pending().length > 0) {
        options.progress(`… ${((Date.now() - sentAt) / 1000).toFixed(0)} s: waiting for ${pending().map((l) => l.name).join(', ')}${found.size > 0 ? ` (arrived: ${[...found.keys()].join(', ')})` : ''}`);
        nextProgress += 2000;
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    const lateHint = pending().length > 0 ? await lateness(config, probe) : '';
    return lookups.map((l) => {
      const got = found.get(l.name);
      if (l.skipped !== undefined) return skip(l.name, `probe not checked: ${l.skipped}`);
      if (got) return pass(l.name, `${got.detail} (after ${(got.afterMs / 1000).toFixed(1)} s)`);
      return fail(l.name, `the probe did not arrive within ${options.timeoutMs / 1000} s${l.name === 'lake' ? ` (looked under ${config.lakeDir}: is it the directory the running pipeline writes?)` : ''}${lateHint}`);
    });
  } catch (error) {
    return [fail('probe', `could not send the probe: ${(error as Error).message}`)];
  } finally {
    await reader?.close();
  }
}

/** When the probe did not arrive: was it late for its partition (event times ahead of the clock)? */
async function lateness(config: Config, probe: Probe): Promise<string> {
  try {
    const text = await (await fetch(`${pipelineUrl(config)}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const m = new RegExp(`^streams_watermark_seconds\\{partition="${probe.topic}:${probe.partition}"\\} ([\\d.e+]+)$`, 'm').exec(text);
    if (m && Number(m[1]) * 1000 > probe.time) {
      return `\nthe partition's watermark (${new Date(Number(m[1]) * 1000).toISOString()}) is past the probe's time: it was late (are events written with future times?)`;
    }
  } catch {
    // no hint
  }
  return '';
}
