import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDuration } from '../../time/duration';
import { brokerListProblem } from './broker-list';
import type { KafkaStreamsOptions } from './kafka-streams-options';
import { RUNTIME_OWNED_SETTINGS } from './runtime-owned-settings';

const oneOf = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)), { description: `one of ${values.map((v) => `'${v}'`).join(', ')}` });
const positiveInteger = Type.Integer({ minimum: 1, description: 'a positive integer' });
const duration = Type.Union([Type.Number({ minimum: 0 }), Type.String()], { description: "a duration like '250ms', '30s' or a number of ms" });
/** Objects the runtime calls: checked for their methods by `notImplementing`, not by the schema. */
const anything = Type.Unknown();

/** What each object option must be, and the methods the runtime calls on it. */
const IMPLEMENTATIONS = {
  stateBackend: {
    what: 'a state backend (localBackend(), memoryBackend(), or one of your own with restore, prepare, finalize, prepared, lastCommitId and close)',
    methods: ['restore', 'prepare', 'finalize', 'prepared', 'lastCommitId', 'close'],
  },
  logger: { what: 'a logger with error, warn, info, debug and child (any winston logger)', methods: ['error', 'warn', 'info', 'debug', 'child'] },
  clock: { what: 'a clock with now()', methods: ['now'] },
} as const;

/**
 * The options `KafkaStreams` takes, checked at construction: TypeScript checks them for its users,
 * this for everyone else (JavaScript, values read from a file), so that a typo or a wrong value
 * fails at start, naming the option, instead of running with a default (an `exactly-once` that
 * silently became at-least-once).
 */
const OptionsSchema = Type.Object(
  {
    connection: Type.Object(
      {
        brokers: Type.String({ minLength: 1, description: "a comma-separated 'host:port' list" }),
        clientId: Type.Optional(Type.String()),
        config: Type.Optional(
          Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'a string, number or boolean' }), {
            description: 'librdkafka properties (string, number or boolean values)',
          }),
        ),
      },
    ),
    processingGuarantee: Type.Optional(oneOf('at_least_once', 'exactly_once')),
    stateBackend: Type.Optional(anything),
    stateDir: Type.Optional(Type.String({ minLength: 1, description: 'a directory path' })),
    commitInterval: Type.Optional(duration),
    autoOffsetReset: Type.Optional(oneOf('earliest', 'latest')),
    idleTimeout: Type.Optional(duration),
    batchSize: Type.Optional(positiveInteger),
    maxBufferedRecords: Type.Optional(positiveInteger),
    scaling: Type.Optional(oneOf('single-instance', 'multi-instance')),
    replicationFactor: Type.Optional(positiveInteger),
    repartitionRetention: Type.Optional(duration),
    instanceId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'letters, digits, . _ -' })),
    logger: Type.Optional(anything),
    clock: Type.Optional(anything),
  },
  // Unknown names are reported by `unknownKeys`, in words.
);

/** Throws a RangeError naming every option that is wrong (or unknown), with what it must be. */
export function checkKafkaStreamsOptions(options: KafkaStreamsOptions): void {
  const problems = new Map<string, string>();
  for (const error of Value.Errors(OptionsSchema, options)) {
    const name = optionName(error.path);
    if (problems.has(name)) continue;
    const known = (error.schema as TSchema).description;
    problems.set(name, error.value === undefined && !known ? `${name} is required` : `${name} must be ${known ?? lowerFirst(error.message)}, got ${show(error.value)}`);
  }
  const brokers: unknown = (options.connection as { brokers?: unknown } | undefined)?.brokers;
  const brokersProblem = typeof brokers === 'string' && brokers !== '' ? brokerListProblem(brokers) : undefined;
  if (brokersProblem !== undefined) {
    problems.set('connection.brokers', `connection.brokers must be a comma-separated 'host:port' list (port 1-65535), got '${brokers as string}': ${brokersProblem}`);
  }
  for (const [name, why] of notImplementing(options)) problems.set(name, why);
  for (const unknown of unknownKeys(options)) problems.set(unknown, `${unknown} is not an option`);
  for (const [name, why] of runtimeOwned(options)) problems.set(name, `${name} cannot be set, remove it: ${why}`);
  if (problems.size === 0) {
    for (const name of ['commitInterval', 'idleTimeout', 'repartitionRetention'] as const) {
      const value = options[name];
      if (value !== undefined) parseDuration(value, name);
    }
    return;
  }
  throw new RangeError(`KafkaStreams: invalid options:\n  - ${[...problems.values()].join('\n  - ')}`);
}

/**
 * `connection.config['socket.timeout.ms']`, not `connection.config.socket.timeout.ms`: librdkafka's
 * keys have dots of their own. (JSON pointers write '/' and '~' in a key as ~1 and ~0.)
 */
function optionName(path: string): string {
  const config = /^\/connection\/config\/(.+)$/.exec(path);
  if (config) return `connection.config['${config[1]!.replace(/~1/g, '/').replace(/~0/g, '~')}']`;
  return path.slice(1).replace(/\//g, '.') || 'options';
}

/** The object options that lack a method the runtime calls, with what they must be. */
function notImplementing(options: KafkaStreamsOptions): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, { what, methods }] of Object.entries(IMPLEMENTATIONS)) {
    const value: unknown = (options as unknown as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const isObject = (typeof value === 'object' && value !== null) || typeof value === 'function';
    const missing = methods.filter((m) => !isObject || typeof (value as Record<string, unknown>)[m] !== 'function');
    if (missing.length === 0) continue;
    out.push([name, `${name} must be ${what}, got ${isObject ? `an object without ${missing.join(', ')}` : show(value)}`]);
  }
  return out;
}

function unknownKeys(options: KafkaStreamsOptions): string[] {
  const known = OptionsSchema.properties;
  const connection = OptionsSchema.properties.connection.properties;
  const out = Object.keys(options).filter((k) => !(k in known));
  if (typeof options.connection === 'object' && options.connection !== null) out.push(...Object.keys(options.connection).filter((k) => !(k in connection)).map((k) => `connection.${k}`));
  return out;
}

/** Properties of `connection.config` the runtime sets itself, with the reason. */
function runtimeOwned(options: KafkaStreamsOptions): Array<[string, string]> {
  const config: unknown = (options.connection as { config?: unknown } | undefined)?.config;
  if (typeof config !== 'object' || config === null) return [];
  return Object.keys(config)
    .filter((key) => Object.hasOwn(RUNTIME_OWNED_SETTINGS, key))
    .map((key) => [`connection.config['${key}']`, RUNTIME_OWNED_SETTINGS[key]!]);
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'number' || typeof value === 'boolean' || value === null ? String(value) : typeof value;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
