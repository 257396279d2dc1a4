// Static checks of the Docker Compose deployment (docker/), which cannot be run without a Docker
// engine here: the compose file is parsed and checked for the services, health checks, start order,
// ports, mounts and the Dockerfile it builds with; and every variable it reads is documented in
// .env.example, which must list every setting of the apps, the tests and the stacks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument, YAMLSeq, type CollectionTag } from 'yaml';

const repoRoot = path.resolve(__dirname, '../../..');
const dockerDir = path.join(repoRoot, 'docker');
const composeFile = path.join(dockerDir, 'docker-compose.yml');
const scaleFile = path.join(dockerDir, 'docker-compose.scale.yml');
const envExampleFile = path.join(repoRoot, '.env.example');

/** The settings decided for the project, each with its default (undefined: depends on context). */
const SETTINGS: Record<string, string | undefined> = {
  // activity-pipeline (KAFKA_BROKERS and DATABASE_URL are also the tests', KAFKA_BROKERS and
  // INPUT_TOPIC also the producer's)
  KAFKA_BROKERS: '127.0.0.1:9092',
  APPLICATION_ID: 'activity-pipeline',
  INPUT_TOPIC: 'user_activity',
  ENRICHED_TOPIC: 'enriched_activity',
  DEAD_LETTER_TOPIC: 'user_activity_dlq',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pipeline',
  LAKE_DIR: './data/lake',
  STATE_DIR: './data/state',
  SESSION_STORE: 'sqlite',
  SESSION_CACHE_USERS: '10000',
  SINK_THREADS: 'on',
  WATERMARK_DELAY: '2m',
  MAX_TIME_AHEAD: '10m',
  SESSION_TIMEOUT: '30m',
  IDLE_PARTITION_TIMEOUT: '30s',
  COMMIT_INTERVAL: '250ms',
  PROCESSING_GUARANTEE: 'at_least_once',
  SCALING: 'single-instance',
  INSTANCE_ID: undefined, // the host name
  AUTO_OFFSET_RESET: 'earliest',
  HTTP_PORT: '9464',
  STATUS_INTERVAL: '5s',
  LOG_LEVEL: 'info',
  LOG_FORMAT: undefined, // pretty on a TTY, json otherwise
  // producer service in compose
  PRODUCER_RATE: '10',
  PRODUCER_USERS: '1000',
  // local stack
  STACK_PARTITIONS: '3',
};

const ENV_GROUPS = ['Kafka', 'PostgreSQL', 'Lake and state', 'Event time', 'Delivery', 'Observability', 'Producer', 'Local stack'];

interface Healthcheck {
  test?: string | string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> | string[]; target?: string };
  ports?: (string | number | { target: number | string; published?: number | string; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  command?: string | string[];
  entrypoint?: string | string[];
  restart?: string;
}
interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Compose's merge tags (`!override`, `!reset`) on sequences and mappings.
const composeTags: CollectionTag[] = ['!override', '!reset'].map((tag) => ({
  tag,
  collection: 'seq' as const,
  nodeClass: YAMLSeq,
  identify: () => false,
}));

function parseYaml<T>(file: string): T {
  const doc = parseDocument(readFileSync(file, 'utf8'), { customTags: composeTags, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  expect(problems).toEqual([]);
  return doc.toJS() as T;
}

/** Variable references as compose interpolates them: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR; `$$` is a literal `$`. */
interface VarRef {
  name: string;
  default?: string;
}
const INTERPOLATION = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(.|$))/g;
function variableRefs(text: string): VarRef[] {
  const refs: VarRef[] = [];
  for (const m of text.matchAll(INTERPOLATION)) {
    if (m[1]) continue; // $$
    const name = m[2] ?? m[5];
    // Compose rejects any other `$` ("invalid interpolation format"): a shell `$` must be written `$$`.
    if (!name) throw new Error(`invalid interpolation: ${JSON.stringify(text.slice(m.index, m.index + 30))}`);
    const op = m[3];
    refs.push(op === ':-' || op === '-' ? { name, default: m[4] } : { name });
  }
  return refs;
}

/** Interpolates with an empty environment, so defaults apply (as `docker compose up` without a .env). */
function interpolate(text: string): string {
  variableRefs(text); // throws on an invalid format
  return text.replace(INTERPOLATION, (_all, dollar?: string, _name?: string, op?: string, def?: string) =>
    dollar ? '$' : op === ':-' || op === '-' ? (def ?? '') : '',
  );
}

/** Every string value of a parsed YAML document (what compose interpolates; comments are not). */
function stringValues(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringValues);
  if (node && typeof node === 'object') return Object.values(node).flatMap(stringValues);
  return [];
}

/** The documented settings of .env.example: NAME=value lines, commented out or not, with the comment line above each. */
function envExample(): Map<string, { value: string; comment: string; line: number }> {
  const lines = readFileSync(envExampleFile, 'utf8').split('\n');
  const settings = new Map<string, { value: string; comment: string; line: number }>();
  lines.forEach((line, i) => {
    const m = /^\s*#?\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) return;
    const above = lines[i - 1] ?? '';
    settings.set(m[1], { value: (m[2] ?? '').trim(), comment: above.startsWith('#') ? above : '', line: i });
  });
  return settings;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0] ?? '', kv.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

interface PortBinding {
  hostIp?: string;
  published?: string;
  target: string;
}
/** Ports after interpolation with defaults: short syntax `[ip:][published:]target[/proto]` or the long syntax. */
function portsOf(service: Service): PortBinding[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { hostIp: p.host_ip, published: p.published == null ? undefined : interpolate(String(p.published)), target: interpolate(String(p.target)) };
    }
    const parts = interpolate(String(p)).replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop();
    const hostIp = parts.pop();
    return { hostIp, published: published === '' ? undefined : published, target };
  });
}

function dependsOn(service: Service): Record<string, { condition?: string }> {
  const deps = service.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, {}])) : deps;
}

function words(cmd: string | string[] | undefined): string {
  return Array.isArray(cmd) ? cmd.join(' ') : (cmd ?? '');
}

const composeText = readFileSync(composeFile, 'utf8');
const compose = parseYaml<ComposeFile>(composeFile);
const services = compose.services;

const LONG_RUNNING_WITH_HEALTH = ['kafka', 'postgres', 'activity-pipeline'];
const APPS = ['activity-pipeline', 'producer'];

describe('docker/docker-compose.yml', () => {
  test('defines the services', () => {
    expect(Object.keys(services).sort()).toEqual(['activity-pipeline', 'kafka', 'kafka-init', 'postgres', 'producer']);
  });

  test('reads no env_file and no `version` (interpolation defaults make a .env optional)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, env_file: service.env_file }).toEqual({ name, env_file: undefined });
    }
    expect(composeText).not.toMatch(/^version:/m);
  });

  test('uses the official Kafka 4.x image for the broker and the topic job, and PostgreSQL 16', () => {
    expect(services.kafka?.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(services['kafka-init']?.image).toBe(services.kafka?.image);
    expect(services.postgres?.image).toMatch(/^postgres:16(\.\d+)?$/);
  });

  test('every long-running service that others wait for has a health check', () => {
    for (const name of LONG_RUNNING_WITH_HEALTH) {
      const hc = services[name]?.healthcheck;
      expect({ name, test: hc?.test }).toEqual({ name, test: expect.anything() });
      expect(words(hc?.test)).not.toMatch(/^NONE/);
      expect(hc?.interval).toBeDefined();
      expect(hc?.retries).toBeGreaterThan(0);
    }
    expect(words(services.kafka?.healthcheck?.test)).toMatch(/\/opt\/kafka\/bin\/(kafka-broker-api-versions|kafka-topics)\.sh .*--bootstrap-server/);
    expect(words(services.postgres?.healthcheck?.test)).toMatch(/pg_isready/);
    // The slim Node image has no curl: the check uses Node's fetch on the app's /health.
    const appCheck = words(services['activity-pipeline']?.healthcheck?.test);
    expect(appCheck).toMatch(/^CMD(-SHELL)? node -e /);
    expect(appCheck).toContain('fetch(');
    expect(appCheck).toContain('http://localhost:${HTTP_PORT:-9464}/health');
  });

  test('the topic job is one-shot and creates the three topics with STACK_PARTITIONS partitions', () => {
    const init = services['kafka-init'];
    expect(init?.restart ?? 'no').toBe('no');
    expect(init?.healthcheck).toBeUndefined();
    const script = words(init?.entrypoint) + ' ' + words(init?.command);
    expect(script).toContain('kafka-topics.sh');
    expect(script).toMatch(/--create --if-not-exists/);
    expect(script).toMatch(/--partitions "?\$\$PARTITIONS/);
    expect(script).toMatch(/--replication-factor 1/);
    // The script reads the container's environment: every `$` is escaped from compose as `$$`.
    expect(variableRefs(script)).toEqual([]);
    const env = environmentOf(init ?? {});
    expect(env.PARTITIONS).toBe('${STACK_PARTITIONS:-3}');
    for (const topic of ['INPUT_TOPIC', 'ENRICHED_TOPIC', 'DEAD_LETTER_TOPIC']) {
      expect(env[topic]).toBe(`\${${topic}:-${SETTINGS[topic]}}`);
      expect(script).toContain(`$$${topic}`);
    }
  });

  test('start order waits on health, and on the topic job having completed', () => {
    const expected: Record<string, Record<string, string>> = {
      'kafka-init': { kafka: 'service_healthy' },
      'activity-pipeline': { kafka: 'service_healthy', 'kafka-init': 'service_completed_successfully', postgres: 'service_healthy' },
      producer: { kafka: 'service_healthy', 'kafka-init': 'service_completed_successfully' },
    };
    for (const [name, service] of Object.entries(services)) {
      const deps = dependsOn(service);
      const conditions = Object.fromEntries(Object.entries(deps).map(([dep, d]) => [dep, d.condition]));
      expect({ name, conditions }).toEqual({ name, conditions: expected[name] ?? {} });
      for (const [dep, d] of Object.entries(deps)) {
        expect(Object.keys(services)).toContain(dep);
        if (d.condition === 'service_healthy') expect({ dep, healthcheck: !!services[dep]?.healthcheck }).toEqual({ dep, healthcheck: true });
      }
    }
  });

  test('publishes Kafka 9092, PostgreSQL 5432 and the pipeline HTTP port 9464 on the host', () => {
    const published = (name: string) => portsOf(services[name] ?? {}).map((p) => `${p.published}:${p.target}`);
    expect(published('kafka')).toContain('9092:9092');
    expect(published('postgres')).toContain('5432:5432');
    expect(published('activity-pipeline')).toContain('9464:9464');
    expect(services['activity-pipeline']?.ports).toContain('127.0.0.1:${HTTP_PORT:-9464}:${HTTP_PORT:-9464}');
  });

  test('Kafka runs KRaft combined on one node, with listeners for the host and the compose network', () => {
    const env = environmentOf(services.kafka ?? {});
    expect(env.KAFKA_NODE_ID).toBe('1');
    expect(env.KAFKA_PROCESS_ROLES?.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:\d+$/);

    const listeners = (value: string | undefined): Record<string, { host: string; port: string }> =>
      Object.fromEntries((value ?? '').split(',').map((l) => {
        const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l.trim());
        if (!m) throw new Error(`bad listener ${l}`);
        return [m[1] ?? '', { host: m[2] ?? '', port: m[3] ?? '' }];
      }));
    const bound = listeners(env.KAFKA_LISTENERS);
    const advertised = listeners(env.KAFKA_ADVERTISED_LISTENERS);
    const protocols = Object.fromEntries((env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '').split(',').map((kv) => kv.split(':')));
    const controller = env.KAFKA_CONTROLLER_LISTENER_NAMES ?? '';

    // Every listener has a protocol; the controller's is bound, not advertised, and is the voters' port.
    for (const name of Object.keys(bound)) expect({ name, protocol: protocols[name] }).toEqual({ name, protocol: 'PLAINTEXT' });
    expect(bound[controller]?.port).toBe(env.KAFKA_CONTROLLER_QUORUM_VOTERS?.split(':')[1]);
    expect(advertised[controller]).toBeUndefined();
    for (const [name, l] of Object.entries(advertised)) expect({ name, port: bound[name]?.port }).toEqual({ name, port: l.port });
    expect(advertised[env.KAFKA_INTER_BROKER_LISTENER_NAME ?? '']).toBeDefined();

    // One advertised listener is for the host (the published port, on the loopback address the
    // apps' default KAFKA_BROKERS uses), and one is for containers (`kafka:<port>`, not published).
    const hostListener = Object.values(advertised).find((l) => l.host === '127.0.0.1' || l.host === 'localhost');
    expect(hostListener).toEqual({ host: '127.0.0.1', port: '9092' });
    expect(portsOf(services.kafka ?? {}).map((p) => p.target)).toContain(hostListener?.port);
    const networkListener = Object.values(advertised).find((l) => l.host === 'kafka');
    expect(networkListener).toBeDefined();
    const inNetwork = `kafka:${networkListener?.port}`;
    for (const app of APPS) expect({ app, brokers: environmentOf(services[app] ?? {}).KAFKA_BROKERS }).toEqual({ app, brokers: inNetwork });
    expect(words(services['kafka-init']?.command)).toContain(`--bootstrap-server ${inNetwork}`);

    // Consumer groups and transactions need their internal topics, which default to 3 replicas.
    for (const key of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect({ key, value: env[key] }).toEqual({ key, value: '1' });
    }
    // The data goes to the volume, not to the image's default under /tmp.
    expect(services.kafka?.volumes).toContain(`kafka-data:${env.KAFKA_LOG_DIRS}`);
  });

  test('PostgreSQL creates the pipeline database and runs init-db.sql from the repository root', () => {
    const pg = services.postgres ?? {};
    const env = environmentOf(pg);
    expect(env.POSTGRES_DB).toBe('pipeline');
    expect(env.POSTGRES_PASSWORD !== undefined || env.POSTGRES_HOST_AUTH_METHOD === 'trust').toBe(true);
    const mounts = (pg.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    const init = mounts.find((m) => m.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    const [source, target] = (init ?? '').split(':');
    expect(path.resolve(dockerDir, source ?? '')).toBe(path.join(repoRoot, 'init-db.sql'));
    expect(existsSync(path.join(repoRoot, 'init-db.sql'))).toBe(true);
    expect(target).toMatch(/^\/docker-entrypoint-initdb\.d\/[\w.-]+\.sql$/);
    expect(mounts).toContain('pg-data:/var/lib/postgresql/data');
  });

  test('the pipeline gets every setting, network addresses for Kafka and PostgreSQL, and volume paths', () => {
    const app = services['activity-pipeline'] ?? {};
    const env = environmentOf(app);
    // INSTANCE_ID stays the container's hostname: one value for every replica would clash.
    for (const name of Object.keys(SETTINGS).filter((n) => !n.startsWith('PRODUCER_') && !n.startsWith('STACK_') && n !== 'INSTANCE_ID')) {
      expect({ name, set: name in env }).toEqual({ name, set: true });
    }
    expect(new URL(env.DATABASE_URL ?? '').host).toBe('postgres:5432');
    expect(new URL(env.DATABASE_URL ?? '').pathname).toBe('/pipeline');
    // State at a fixed path in the state volume: a recreated container resumes from it.
    expect(env.STATE_DIR).toBe('/data/state');
    expect(app.volumes).toEqual(expect.arrayContaining([`lake:${env.LAKE_DIR}`, `state:${env.STATE_DIR}`]));
    expect(app.restart).toBe('unless-stopped');
  });

  test('the producer takes its rate and users from PRODUCER_RATE and PRODUCER_USERS', () => {
    const producer = services.producer ?? {};
    expect(producer.command).toEqual(['--rate', '${PRODUCER_RATE:-10}', '--users', '${PRODUCER_USERS:-1000}']);
    expect(environmentOf(producer).INPUT_TOPIC).toBe('${INPUT_TOPIC:-user_activity}');
  });

  test('declares named volumes for Kafka, PostgreSQL, the lake and the state, and uses each', () => {
    const declared = Object.keys(compose.volumes ?? {}).sort();
    expect(declared).toEqual(['kafka-data', 'lake', 'pg-data', 'state']);
    const used = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source)));
    for (const v of declared) expect(used).toContain(v);
  });

  test('builds both apps from docker/Dockerfile with the repository root as context', () => {
    const dockerfileText = readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
    for (const app of APPS) {
      const build = services[app]?.build;
      expect(build).toBeDefined();
      expect(path.resolve(dockerDir, build?.context ?? '.')).toBe(repoRoot);
      const dockerfile = path.resolve(repoRoot, build?.dockerfile ?? 'Dockerfile');
      expect(dockerfile).toBe(path.join(dockerDir, 'Dockerfile'));
      expect(existsSync(dockerfile)).toBe(true);
      const args: Record<string, string | undefined> = Array.isArray(build?.args)
        ? Object.fromEntries(build.args.map((a) => [a.split('=')[0] ?? '', a.split('=').slice(1).join('=')]))
        : (build?.args ?? {});
      expect(args.APP).toBe(app);
      // The app exists and has the start script that the image runs.
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'apps', app, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
      expect(pkg.scripts?.start).toBeDefined();
      expect(dockerfileText).toContain(app);
    }
    expect(dockerfileText).toMatch(/^ARG APP$/m);
    expect(dockerfileText).toMatch(/node:20-bookworm-slim/);
    expect(dockerfileText).toMatch(/pnpm install --frozen-lockfile/);
    expect(dockerfileText).toMatch(/packageManager/);
    for (const lib of ['libzstd-dev', 'liblz4-dev', 'libsasl2-dev']) expect(dockerfileText).toContain(lib);
    expect(dockerfileText).toMatch(/write-start-app\.sh "\/app\/apps\/\$APP" \/usr\/local\/bin\/start-app/);
    // BuildKit's per-Dockerfile ignore file, next to it.
    const ignore = readFileSync(path.join(dockerDir, 'Dockerfile.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*\*\/node_modules$/m);
  });

  test.each(APPS)("the image's entry point runs the start script of %s, with the container's arguments", (app) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'start-app-'));
    try {
      const entryPoint = path.join(dir, 'start-app');
      execFileSync('sh', [path.join(dockerDir, 'write-start-app.sh'), path.join(repoRoot, 'apps', app), entryPoint]);
      // A stand-in for the image's node that prints the arguments it was given, one a line.
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(path.join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
      writeFileSync(path.join(bin, 'tsx'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
      const output = execFileSync(entryPoint, ['--rate', '5'], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'apps', app, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      // `exec env NAME=value… node args…`: the stand-in node prints what follows `node`.
      const [, ...args] = pkg.scripts.start!.replace(/^exec\s+/, '').replace(/^env\s+(\S+=\S*\s+)*/, '').split(/\s+/);
      expect(output.trim().split('\n')).toEqual([...args, '--rate', '5']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the entry point is not written for an app without a start script', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'start-app-'));
    try {
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'no-start', scripts: { test: 'jest' } }));
      const run = () => execFileSync('sh', [path.join(dockerDir, 'write-start-app.sh'), dir, path.join(dir, 'start-app')], { stdio: 'pipe' });
      expect(run).toThrow(/has no start script/);
      expect(existsSync(path.join(dir, 'start-app'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the scale overlay replaces the fixed metrics port of the pipeline with an ephemeral one', () => {
    const overlay = parseYaml<ComposeFile>(scaleFile);
    expect(Object.keys(overlay.services)).toEqual(['activity-pipeline']);
    expect(readFileSync(scaleFile, 'utf8')).toMatch(/ports: !override/);
    const ports = portsOf(overlay.services['activity-pipeline'] ?? {});
    expect(ports).toEqual([{ hostIp: '127.0.0.1', published: undefined, target: '9464' }]);
  });
});

describe('.env.example', () => {
  const documented = envExample();

  test('documents every variable that the compose files read, with the same default', () => {
    for (const file of [composeFile, scaleFile]) {
      const refs = stringValues(parseYaml<ComposeFile>(file)).flatMap(variableRefs);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const doc = documented.get(ref.name);
        expect({ file: path.basename(file), variable: ref.name, documented: !!doc }).toEqual({ file: path.basename(file), variable: ref.name, documented: true });
        if (ref.default !== undefined) {
          expect({ variable: ref.name, default: ref.default }).toEqual({ variable: ref.name, default: doc?.value });
        }
      }
    }
  });

  test('lists every setting, each under a comment line that gives its default', () => {
    for (const [name, def] of Object.entries(SETTINGS)) {
      const doc = documented.get(name);
      expect({ name, documented: !!doc }).toEqual({ name, documented: true });
      expect({ name, comment: doc?.comment }).toEqual({ name, comment: expect.stringMatching(/^# .*Default/) });
      if (def !== undefined) {
        expect({ name, value: doc?.value }).toEqual({ name, value: def });
        expect({ name, comment: doc?.comment }).toEqual({ name, comment: expect.stringContaining(`Default ${def}`) });
      }
    }
    expect(documented.get('LOG_FORMAT')?.comment).toMatch(/pretty.*terminal.*json/);
  });

  test('names the allowed values of the enumerated settings', () => {
    expect(documented.get('PROCESSING_GUARANTEE')?.comment).toMatch(/at_least_once.*exactly_once/);
    expect(documented.get('SESSION_STORE')?.comment).toMatch(/sqlite.*memory/);
    expect(documented.get('AUTO_OFFSET_RESET')?.comment).toMatch(/earliest.*latest/);
    expect(documented.get('LOG_FORMAT')?.comment).toMatch(/json.*pretty/);
    expect(documented.get('LOG_LEVEL')?.comment).toMatch(/error.*warn.*info.*debug/);
  });

  test('groups the settings in order: Kafka, PostgreSQL, lake/state, event time, delivery, observability, producer, local stack', () => {
    const lines = readFileSync(envExampleFile, 'utf8').split('\n');
    const headers = lines.flatMap((l, i) => (/^# ---- (.+?) ----$/.exec(l) ? [{ title: /^# ---- (.+?) ----$/.exec(l)?.[1] ?? '', line: i }] : []));
    expect(headers.map((h) => h.title.replace(/ \(.*\)$/, ''))).toEqual(ENV_GROUPS);
    const groupOf = (line: number) => headers.filter((h) => h.line < line).pop()?.title.replace(/ \(.*\)$/, '');
    const expectedGroup: Record<string, string> = {
      KAFKA_BROKERS: 'Kafka', APPLICATION_ID: 'Kafka', INPUT_TOPIC: 'Kafka', ENRICHED_TOPIC: 'Kafka', DEAD_LETTER_TOPIC: 'Kafka',
      DATABASE_URL: 'PostgreSQL',
      LAKE_DIR: 'Lake and state', STATE_DIR: 'Lake and state',
      WATERMARK_DELAY: 'Event time', MAX_TIME_AHEAD: 'Event time', SESSION_TIMEOUT: 'Event time', IDLE_PARTITION_TIMEOUT: 'Event time',
      COMMIT_INTERVAL: 'Delivery', PROCESSING_GUARANTEE: 'Delivery', AUTO_OFFSET_RESET: 'Delivery',
      HTTP_PORT: 'Observability', STATUS_INTERVAL: 'Observability', LOG_LEVEL: 'Observability', LOG_FORMAT: 'Observability',
      PRODUCER_RATE: 'Producer', PRODUCER_USERS: 'Producer',
      STACK_PARTITIONS: 'Local stack',
    };
    for (const [name, group] of Object.entries(expectedGroup)) {
      expect({ name, group: groupOf(documented.get(name)?.line ?? -1) }).toEqual({ name, group });
    }
  });
});
