import { Command, InvalidArgumentError, Option } from 'commander';
import { down } from './commands/down';
import { logs } from './commands/logs';
import { status } from './commands/status';
import { up } from './commands/up';
import { log } from './log';
import { DEFAULT_PARTITIONS, kafkaVersion, parsePartitions, parsePositiveInt } from './settings';

// `pnpm stack up | down | status | logs`: the local stack without Docker.

function positiveInt(what: string, parse = parsePositiveInt) {
  return (value: string): number => {
    try {
      return parse(value, what);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

function brokerCount(value: string): number {
  if (value !== '1' && value !== '3') throw new InvalidArgumentError('1 (the everyday broker) or 3 (the fault-test cluster)');
  return Number(value);
}

const brokersHelp = 'which cluster: 1 = single broker on 127.0.0.1:9092, 3 = three brokers on 127.0.0.1:19092,19102,19112';

const program = new Command('stack')
  .description('The local development stack: Apache Kafka (KRaft, from Maven Central), topics, PostgreSQL database')
  .showHelpAfterError();

program
  .command('up')
  .description('start Kafka if needed, wait until it serves clients, create topics and the database (idempotent)')
  .addOption(new Option('--brokers <n>', brokersHelp).argParser(brokerCount).default(1))
  .addOption(
    // Read by commander when `up` runs (not when this module loads, which a bad value in the
    // environment would break for every command, `down` included).
    new Option('--partitions <n>', 'partitions of the pipeline topics when created')
      .env('STACK_PARTITIONS')
      .argParser(positiveInt('--partitions', parsePartitions))
      .default(DEFAULT_PARTITIONS),
  )
  .addOption(new Option('--kafka-version <v>', 'Kafka version from Maven Central (env STACK_KAFKA_VERSION)').default(kafkaVersion()))
  .addOption(new Option('--timeout <seconds>', 'how long to wait for the broker to be ready').argParser(positiveInt('--timeout')).default(120))
  .addOption(new Option('--heap <size>', 'JVM heap of each broker').default('512m'))
  .action(async (o: { brokers: number; partitions: number; kafkaVersion: string; timeout: number; heap: string }) => {
    await up({ brokers: o.brokers, partitions: o.partitions, kafkaVersion: o.kafkaVersion, timeoutSeconds: o.timeout, heap: o.heap });
  });

program
  .command('down')
  .description('stop the brokers this checkout started (SIGTERM, then SIGKILL after the timeout); PostgreSQL keeps running')
  .addOption(new Option('--brokers <n>', `only this cluster (default: both). ${brokersHelp}`).argParser(brokerCount))
  .option('--purge', 'also delete broker data and logs (the next `up` formats fresh storage)', false)
  .addOption(new Option('--timeout <seconds>', 'wait this long for a clean shutdown').argParser(positiveInt('--timeout')).default(30))
  .action(async (o: { brokers?: number; purge: boolean; timeout: number }) => {
    await down({ brokers: o.brokers, purge: o.purge, timeoutSeconds: o.timeout });
  });

program
  .command('status')
  .description('print pids, ports, log files, Kafka version and database reachability; exit 0 if Kafka and the database are up, else 1')
  .addOption(new Option('--brokers <n>', brokersHelp).argParser(brokerCount).default(1))
  .action(async (o: { brokers: number }) => {
    process.exitCode = await status({ brokers: o.brokers });
  });

program
  .command('logs')
  .description("print the end of a broker's log")
  .addOption(new Option('--brokers <n>', brokersHelp).argParser(brokerCount).default(1))
  .addOption(new Option('--node <id>', 'which node of the cluster').argParser(positiveInt('--node')).default(1))
  .addOption(new Option('-n, --lines <n>', 'how many lines').argParser(positiveInt('--lines')).default(100))
  .option('-f, --follow', 'keep printing new lines', false)
  .action(async (o: { brokers: number; node: number; lines: number; follow: boolean }) => {
    process.exitCode = await logs({ brokers: o.brokers, node: o.node, lines: o.lines, follow: o.follow });
  });

// Exit explicitly: a librdkafka handle that is slow to close must not keep the CLI (and CI) waiting.
program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
