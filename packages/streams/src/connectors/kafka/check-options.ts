import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDuration } from '../../time/duration';
import type { KafkaStreamsOptions } from './kafka-streams-options';
import { RUNTIME_OWNED_SETTINGS } from './runtime-owned-settings';

const oneOf = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)), { description: `one of ${values.map((v) => `'${v}'`).join(', ')}` });
const positiveInteger = Type.Integer({ minimum: 1, description: 'a positive integer' });
const duration = Type.Union([Type.Number({ minimum: 0 }), Type.String()], { description: "a duration like '250ms', '30s' or a number of ms" });
const anything = Type.Unknown();

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
        config: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'librdkafka properties (string, number or boolean values)' })),
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
    const name = error.path.slice(1).replace(/\//g, '.') || 'options';
    if (problems.has(name)) continue;
    const known = (error.schema as TSchema).description;
    problems.set(name, error.value === undefined && !known ? `${name} is required` : `${name} must be ${known ?? lowerFirst(error.message)}, got ${show(error.value)}`);
  }
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
