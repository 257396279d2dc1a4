import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchSchema, type Scratch } from '../connectors/postgres/scratch-db';
import type { Fixture } from './fixture-process';

/** What a crash test file shares between its cases, once its jest hooks have run. */
export interface CrashHarness {
  /** The scratch database the fixtures write to. */
  readonly scratch: Scratch;
  /** A temporary directory for the cases' state, lakes and fixture logs. */
  readonly workDir: string;
  /** Fixtures still running: killed after each case, so a failed one leaves none behind. */
  readonly running: Set<Fixture>;
}

/**
 * Registers the jest hooks every crash test file needs: a scratch database and a work directory
 * for the file, no fixture left running after a case, and both removed at the end
 * (CRASH_TEST_KEEP=1 keeps the directory to look at). Call it at the top level of the file.
 * @example const harness = crashHarness('crash', 'crash test'); … harness.scratch.url
 */
export function crashHarness(label: string, name: string): CrashHarness {
  let scratch: Scratch | undefined;
  let workDir: string | undefined;
  const running = new Set<Fixture>();
  beforeAll(async () => {
    scratch = await scratchSchema(label);
    workDir = await mkdtemp(join(tmpdir(), `streams-${label.replace(/_/g, '-')}-`));
  });
  afterEach(async () => {
    for (const fixture of running) fixture.kill('SIGKILL');
    await Promise.all([...running].map((f) => f.exited));
    running.clear();
  });
  afterAll(async () => {
    await scratch?.drop();
    if (workDir === undefined) return;
    if (process.env.CRASH_TEST_KEEP === '1') console.log(`${name}: files kept in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  });
  return {
    get scratch() {
      if (scratch === undefined) throw new Error('crashHarness: the scratch database exists once beforeAll has run');
      return scratch;
    },
    get workDir() {
      if (workDir === undefined) throw new Error('crashHarness: the work directory exists once beforeAll has run');
      return workDir;
    },
    running,
  };
}
