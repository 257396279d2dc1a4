import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '@pipeline/stack/scratch-database';
import { createTopics, deleteTopics, uniqueName } from './kafka';

/** Where one run of the pipeline reads and writes: every name fresh, nothing shared with the app. */
export interface PipelineTargets {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly enrichedTopic: string;
  readonly deadLetterTopic: string;
  readonly databaseUrl: string;
  readonly lakeDir: string;
  readonly stateDir: string;
}

/**
 * Everything a run creates (topics, databases, temporary directories), removed by `cleanup()`
 * unless the run keeps them (`--keep`) for a look afterwards.
 */
export class Scratch {
  readonly topics: string[] = [];
  readonly databases: ScratchDatabase[] = [];
  readonly dirs: string[] = [];

  constructor(private readonly keep: boolean) {}

  async topic(prefix: string, partitions: number): Promise<string> {
    const name = uniqueName(prefix);
    await createTopics([name], partitions);
    this.topics.push(name);
    return name;
  }

  async database(label: string): Promise<ScratchDatabase> {
    const db = await createScratchDatabase(`bench_${label}`);
    this.databases.push(db);
    return db;
  }

  dir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** Output topics (3 partitions), a database, a lake and a state directory for one pipeline run. */
  async pipelineTargets(label: string, inputTopic: string): Promise<{ targets: PipelineTargets; db: ScratchDatabase }> {
    const db = await this.database(label);
    const targets: PipelineTargets = {
      applicationId: uniqueName(`bench-${label}`),
      inputTopic,
      enrichedTopic: await this.topic(`bench-${label}-enriched`, 3),
      deadLetterTopic: await this.topic(`bench-${label}-dlq`, 3),
      databaseUrl: db.url,
      lakeDir: join(this.dir(`bench-${label}-lake`), 'lake'),
      stateDir: join(this.dir(`bench-${label}-state`), 'state'),
    };
    return { targets, db };
  }

  /** What was kept, for the final message of a `--keep` run. */
  describe(): string {
    return [`topics: ${this.topics.join(', ')}`, `databases: ${this.databases.map((d) => d.name).join(', ')}`, `dirs: ${this.dirs.join(', ')}`].join('\n');
  }

  async cleanup(): Promise<void> {
    if (this.keep) {
      await Promise.allSettled(this.databases.map((d) => d.close()));
      return;
    }
    await deleteTopics(this.topics).catch(() => undefined);
    await Promise.allSettled(this.databases.map((d) => d.drop()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
