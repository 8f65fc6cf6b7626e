import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Config } from '#src/config.js';
import { migrationProvider } from './migrations/index.js';
import type { DB } from './schema.js';
import { withStatementCache } from './sqlite-statements.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB>;
/** The database or a transaction on it: what a query function runs on. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  db: Db;
  dialect: Dialect;
  migrate(): Promise<string[]>;
  /**
   * Runs `work` while no other process (or other start in this process) does the same on this
   * database: first start's migrations and starting content, so two processes started together
   * on a new database do not both fill it in.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const START_LOCK_WAIT_MS = 120_000;
/** A lock file with no owner in it (its owner died between creating and writing it) is stale after this. */
const UNWRITTEN_LOCK_MS = 10_000;

/**
 * This process's incarnation: a process id alone does not name a process across restarts (in a
 * container the app is PID 1 at every start), so a lock also holds a token drawn at each start.
 * Every Headworks of one process shares it (tests start several in one process).
 */
export const INCARNATION = crypto.randomBytes(8).toString('hex');

interface LockOwner {
  pid: number;
  incarnation?: string;
}

function readOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner> | number;
    // A lock left by an older version holds the process id alone.
    if (typeof owner === 'number') return Number.isInteger(owner) && owner > 0 ? { pid: owner } : undefined;
    if (typeof owner?.pid !== 'number' || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
    return { pid: owner.pid, ...(typeof owner.incarnation === 'string' ? { incarnation: owner.incarnation } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote a lock is gone: another process id that is not alive, or this
 * process id with another incarnation (this process is a later start under the same id). A lock
 * of this very process (another Headworks starting in it) is not stale: it is waited for.
 */
function isStale(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return owner.incarnation !== INCARNATION;
  return !isAlive(owner.pid);
}

/**
 * SQLite has no advisory lock, and its transactions cannot wait for one another across
 * processes: a lock file beside the database, holding its owner's process id and incarnation and
 * a token of this acquisition, made with 'wx' so only one process creates it. A lock left by a
 * process that died is taken over atomically: renamed to a name of the taker's own, and only the
 * taker whose rename moved that very lock (the same content it judged stale) goes on; one that
 * moved a fresh lock instead (another taker was faster) puts it back.
 */
async function withLockFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.start-lock`;
  const mine = JSON.stringify({ pid: process.pid, incarnation: INCARNATION, token: crypto.randomBytes(8).toString('hex') });
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(lock, mine, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    let age: number;
    try {
      text = fs.readFileSync(lock, 'utf8');
      age = Date.now() - fs.statSync(lock).mtimeMs;
    } catch {
      continue; // removed meanwhile: try again at once
    }
    const owner = readOwner(text);
    // An empty or unreadable lock is being written right now, or its writer died just after making it.
    if (owner ? isStale(owner) : age > UNWRITTEN_LOCK_MS) {
      if (takeOver(lock, text)) continue;
    }
    if (Date.now() > deadline) throw new Error(`Another process has been starting on ${file} for ${START_LOCK_WAIT_MS / 1000} s; if none is running, remove ${lock}.`);
    await sleep(25);
  }
  try {
    return await work();
  } finally {
    // Remove the lock only if it is still this start's.
    try {
      if (fs.readFileSync(lock, 'utf8') === mine) fs.rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  }
}

/**
 * Move a stale lock out of the way; true when this process moved the very lock it judged stale
 * (`stale` is its content), so it may try to create its own.
 */
function takeOver(lock: string, stale: string): boolean {
  const aside = `${lock}.stale-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return false; // another process moved it first
  }
  let moved: string | undefined;
  try {
    moved = fs.readFileSync(aside, 'utf8');
  } catch {
    // unreadable: treated as not ours below
  }
  if (moved === stale) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // Between reading the stale lock and moving it, another process took it over and made a fresh
  // lock of its own, which this rename moved: put it back (link fails if a lock exists again).
  try {
    fs.linkSync(aside, lock);
  } catch {
    // a lock exists again: the owner of the moved one will find its lock gone and not remove it
  }
  fs.rmSync(aside, { force: true });
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function openDatabase(settings: Config['database']): Promise<Database> {
  let db: Db;
  let dialect: Dialect;
  // Each driver is loaded only when it is used.
  if (settings.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    fs.mkdirSync(path.dirname(settings.file), { recursive: true });
    const sqlite = new SQLite(settings.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    dialect = 'sqlite';
  } else {
    const { default: pg } = await import('pg');
    // PostgreSQL hands back timestamps as Date and 64-bit counts as strings; the app speaks ISO
    // strings and numbers in both dialects.
    pg.types.setTypeParser(1184, (v) => new Date(v).toISOString());
    pg.types.setTypeParser(1114, (v) => new Date(`${v}Z`).toISOString());
    pg.types.setTypeParser(20, (v) => Number(v));
    if (settings.schema) {
      const client = new pg.Client({ connectionString: settings.url });
      await client.connect();
      try {
        await client.query(`create schema if not exists "${settings.schema.replace(/"/g, '')}"`);
      } catch (err) {
        // Two processes creating the same schema at once: "if not exists" does not cover the race.
        if ((err as { code?: string }).code !== '23505') throw err;
      } finally {
        await client.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: settings.url,
      max: 10,
      ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
    });
    // An idle connection the server closes (restart, admin command) is dropped by the pool and
    // replaced on the next query; without a listener its error would crash the process.
    pool.on('error', (err) => process.emitWarning(`PostgreSQL connection lost: ${err.message}`));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  }
  return {
    db,
    dialect,
    async migrate() {
      // With a schema of its own (tests), the migration tables must live there too: Kysely
      // otherwise looks for them in every schema of the database.
      // On PostgreSQL the migration tables live in the schema the app uses (tests give each site
      // its own; DATABASE_URL may choose one with search_path): Kysely otherwise looks for them
      // in every schema of the database and trips over other apps' or tests' tables.
      let migrationTableSchema: string | undefined;
      if (settings.kind === 'postgres') {
        migrationTableSchema = settings.schema ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
      }
      const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error;
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async exclusive(work) {
      if (settings.kind === 'sqlite') return withLockFile(settings.file, work);
      // A session-level advisory lock on a connection of its own, outside the pool the work uses,
      // keyed by the schema so sites in other schemas of the same database do not wait.
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: settings.url });
      await client.connect();
      try {
        const schema = settings.schema ?? (await client.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? '';
        await client.query('select pg_advisory_lock(hashtext($1))', [`headworks-start:${schema}`]);
        return await work();
      } finally {
        // Ending the session releases the lock, even when the work failed.
        await client.end();
      }
    },
    destroy: () => db.destroy(),
  };
}
