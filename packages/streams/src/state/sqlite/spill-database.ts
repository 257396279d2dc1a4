import { mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

const FILE = /^spill-(\d+)-\d+\.sqlite$/;
let opened = 0;
/** The spill files this process has open: a file under its pid that is not one of them was left by a crash. */
const openFiles = new Set<string>();

/**
 * The part of a better-sqlite3 statement the stores use. Declared here, not taken from
 * `@types/better-sqlite3`, because this type is in the package's published declarations, and an
 * application that installs better-sqlite3 (it ships no types) does not have those.
 */
export interface SpillStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  pluck(toggle?: boolean): SpillStatement;
}

/**
 * The SQLite file where a store factory's stores keep what does not fit their caches. It is a spill
 * area, not the state's truth: the state backend (the local log, or changelog topics) persists
 * every change and restores into fresh stores. So the file starts empty, is written without a
 * journal or fsync, and is deleted when its last store closes, or, after a crash, by the next
 * process that opens one in the same directory.
 */
export class SpillDatabase {
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly tables = new Set<string>();
  private tableCount = 0;
  private writing = false;

  constructor(dir: string, pageCacheMb: number) {
    mkdirSync(dir, { recursive: true });
    // The real path: `openFiles` must know this file whichever way another store factory spells
    // its dir (relative, or through a symlink).
    const real = realpathSync(dir);
    removeAbandonedFiles(real);
    this.path = join(real, `spill-${process.pid}-${++opened}.sqlite`);
    openFiles.add(this.path);
    // Loaded here, not at import: the subpath's index checked that it is installed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    this.db = new Database(this.path);
    // better-sqlite3 opens in defensive mode, which keeps the journal; a scratch file needs none.
    this.db.unsafeMode(true);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('temp_store = MEMORY');
    // SQLite's page cache is the only memory the file costs: bounded, whatever the store holds.
    this.db.pragma(`cache_size = ${-Math.round(pageCacheMb * 1024)}`);
  }

  /**
   * Creates a table with a name no other store of this file uses, and returns the name; `$name`
   * in the `extra` statements (indexes) stands for it.
   */
  createTable(prefix: string, columns: string, extra: readonly string[] = []): string {
    const name = `${prefix.replace(/[^A-Za-z0-9]/g, '_')}_${++this.tableCount}`;
    this.db.exec(`CREATE TABLE "${name}" (${columns}) WITHOUT ROWID`);
    for (const sql of extra) this.db.exec(sql.replaceAll('$name', name));
    this.tables.add(name);
    return name;
  }

  prepare(sql: string): SpillStatement {
    return this.db.prepare(sql);
  }

  /** Call before writing: writes are grouped in one transaction until `commitWrites`. */
  beginWrites(): void {
    if (this.writing) return;
    this.db.exec('BEGIN');
    this.writing = true;
  }

  /** Ends the open write transaction, if any (stores call it at each commit of their task). */
  commitWrites(): void {
    if (!this.writing) return;
    this.db.exec('COMMIT');
    this.writing = false;
  }

  /** Whether the last table was dropped, which closed and deleted the file. */
  get closed(): boolean {
    return !this.db.open;
  }

  /** Drops a store's table; the file is closed and deleted with the last one. */
  dropTable(name: string): void {
    if (!this.tables.delete(name)) return;
    this.commitWrites();
    this.db.exec(`DROP TABLE "${name}"`);
    if (this.tables.size > 0) return;
    this.db.close();
    rmSync(this.path, { force: true });
    openFiles.delete(this.path);
  }
}

/**
 * Deletes spill files of processes that no longer run (a crash leaves its file behind), and those
 * under this process's own pid that it did not open: a restarted container's process often has
 * the crashed one's pid (node as pid 1), and its counter starts again at 1, so its next name
 * would be the very file left behind, tables and all.
 */
function removeAbandonedFiles(dir: string): void {
  for (const file of readdirSync(dir)) {
    const pid = FILE.exec(file)?.[1];
    if (pid === undefined) continue;
    const path = join(dir, file);
    const abandoned = Number(pid) === process.pid ? !openFiles.has(path) : !isRunning(Number(pid));
    if (abandoned) rmSync(path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
