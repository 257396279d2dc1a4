import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { stackLayout } from '../kafka/layout';
import { display } from '../paths';

export interface LogsCommandOptions {
  brokers: number;
  node: number;
  lines: number;
  follow: boolean;
}

/** `stack logs`: the end of a broker's server.log, optionally followed (tail -F survives rolling). */
export async function logs(opts: LogsCommandOptions): Promise<number> {
  const layout = stackLayout(opts.brokers);
  const node = layout.nodes.find((n) => n.id === opts.node);
  if (!node) throw new Error(`${layout.name} has nodes ${layout.nodes.map((n) => n.id).join(', ')}, not ${opts.node}`);
  if (!fs.existsSync(node.serverLog)) throw new Error(`no broker log yet at ${display(node.serverLog)}: run \`pnpm stack up\` first`);
  const args = ['-n', String(opts.lines), ...(opts.follow ? ['-F'] : []), node.serverLog];
  return new Promise((resolve, reject) => {
    const child = spawn('tail', args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 0));
  });
}
