import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { librdkafkaVersion } from 'node-rdkafka';
import { serverVersion } from '@pipeline/stack/scratch-database';
import { BROKERS, localBrokerVersion } from './infra/kafka';
import { BENCH_DIR } from './paths';
import { appSettingsFromEnvironment } from './pipeline';

/** Where the figures were measured: they mean little without it. */
export interface Environment {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly os: string;
  /** 1, 5 and 15-minute load averages when the run started: above the core count, the machine was shared. */
  readonly loadAverageAtStart: number[];
  readonly node: string;
  /** Node's own flags (the app's start script flags, e.g. --heap-growing-percent, see package.json). */
  readonly nodeFlags: string[];
  /** The app's settings the run took from the environment (appSettingsFromEnvironment); the app's defaults otherwise. */
  readonly appSettings: Record<string, string>;
  /** glibc's arena limit, which the start script sets: it changes the native memory the memory step measures. */
  readonly mallocArenaMax?: string;
  readonly v8: string;
  readonly librdkafka: string;
  readonly kafkaBrokers: string;
  readonly kafkaBroker?: string;
  readonly postgres?: string;
  /** Versions of the packages measured, as installed. */
  readonly packages: Record<string, string>;
}

const PACKAGES = ['@pipeline/streams', 'activity-pipeline', 'producer', 'node-rdkafka', 'kysely', 'pg', 'hyparquet-writer', 'better-sqlite3', '@sinclair/typebox'];

/** A dependency's version, read from its package.json through this package's node_modules. */
function installedVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function describeEnvironment(): Promise<Environment> {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    os: `${process.platform} ${release()}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    // The loader flags (--import tsx, --conditions) say nothing about performance; the rest does.
    nodeFlags: process.execArgv.filter((flag, i, all) => flag !== '--import' && all[i - 1] !== '--import' && !flag.startsWith('--conditions') && !flag.startsWith('--require')),
    appSettings: appSettingsFromEnvironment(),
    ...optional('mallocArenaMax', process.env.MALLOC_ARENA_MAX),
    v8: process.versions.v8,
    librdkafka: librdkafkaVersion,
    kafkaBrokers: BROKERS,
    ...optional('kafkaBroker', localBrokerVersion()),
    ...optional('postgres', await serverVersion()),
    packages: Object.fromEntries(PACKAGES.map((p) => [p, installedVersion(p)])),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
