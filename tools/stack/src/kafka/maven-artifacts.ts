import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KAFKA_POM, STACK_DIR } from '../paths';
import { log } from '../log';
import { lastLines, run } from '../process-utils';

// The broker's jars come from Maven Central through tools/stack/kafka/pom.xml: `mvn` resolves kafka_2.13
// and its runtime dependencies (cached across clones in ~/.m2) and copy-dependencies puts them in one
// folder per version under .stack/, which is the JVM's classpath.

export interface KafkaLibs {
  version: string;
  libsDir: string;
  /** True when the folder was already complete and Maven did not run. */
  cached: boolean;
}

export function libsDirFor(version: string, stackDir = STACK_DIR): string {
  return path.join(stackDir, `kafka-${version}`, 'libs');
}

/** The classpath argument for `java -cp`: the JVM expands `dir/*` to every jar in it. */
export function classpath(libsDir: string): string {
  return path.join(libsDir, '*');
}

export async function ensureKafkaLibs(version: string, stackDir = STACK_DIR): Promise<KafkaLibs> {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a Kafka version: "${version}"`);
  const libsDir = libsDirFor(version, stackDir);
  const marker = path.join(path.dirname(libsDir), '.resolved');
  // The marker holds a hash of the pom: editing the pom (say, another log4j) re-resolves on the next start.
  const fingerprint = `${version} ${createHash('sha256').update(fs.readFileSync(KAFKA_POM)).digest('hex')}`;
  if (readIfExists(marker) === fingerprint && fs.existsSync(jarOf(libsDir, version))) {
    return { version, libsDir, cached: true };
  }

  // Copy into a fresh folder and rename at the end, so an interrupted run never leaves a half classpath.
  const tmpDir = `${libsDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const args = [
    '-B',
    '-q',
    '-f',
    KAFKA_POM,
    `-Dkafka.version=${version}`,
    `-DoutputDirectory=${tmpDir}`,
    // Extra Maven arguments, e.g. `-o` offline or `-Dmaven.repo.local=/tmp/m2` for a cold download.
    ...(process.env.STACK_MAVEN_ARGS?.split(/\s+/).filter(Boolean) ?? []),
    'dependency:copy-dependencies',
  ];
  log.debug(`mvn ${args.join(' ')}`);
  const result = await run('mvn', args).catch((err: Error) => {
    throw new Error(`${err.message}: the stack needs Apache Maven (apt-get install maven) and Java 17+ to fetch Kafka`);
  });
  if (result.code !== 0) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new Error(
      `mvn could not resolve org.apache.kafka:kafka_2.13:${version} (exit ${result.code}):\n${lastLines(result.output, 40)}`,
    );
  }
  if (!fs.existsSync(jarOf(tmpDir, version))) {
    throw new Error(`mvn succeeded but ${path.basename(jarOf(tmpDir, version))} is not in ${tmpDir}`);
  }
  fs.rmSync(libsDir, { recursive: true, force: true });
  fs.renameSync(tmpDir, libsDir);
  fs.writeFileSync(marker, fingerprint);
  return { version, libsDir, cached: false };
}

function jarOf(libsDir: string, version: string): string {
  return path.join(libsDir, `kafka_2.13-${version}.jar`);
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
