import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The backup file: gzip'd JSON lines, the same for SQLite and PostgreSQL (so a site can move from
 * one to the other by backup and restore). In order:
 *
 *   {"headworks_backup":1, "app_version", "dialect", "created_at", "migrations":[…]}
 *   {"table":"users","columns":["id","email",…]}        then one JSON array per row
 *   {"table_end":"users","rows":N}
 *   … every table, parents before the tables that refer to them …
 *   {"file":"uploads/logo-….png","mode":384,"size":N}  then {"data":"<base64>"} chunks
 *   {"file_end":"uploads/logo-….png","size":N,"sha256":"…"}
 *   {"end":true,"tables":T,"rows":R,"files":F}
 *
 * The last line makes a cut file detectable even where gzip would not notice (a file cut
 * between two gzip members); gzip's own check catches damage inside.
 */
export const FORMAT_VERSION = 1;

export interface Header {
  headworks_backup: number;
  app_version: string;
  dialect: 'sqlite' | 'postgres';
  created_at: string;
  migrations: string[];
}

export interface Summary {
  tables: number;
  rows: number;
  files: number;
}

/** Tables the migrator keeps for itself: rebuilt by migrating, never copied. */
export const MIGRATOR_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

/** Data-folder files bigger than this are written in several `data` lines. */
export const FILE_CHUNK = 768 * 1024;

export function appVersion(): string {
  // src/core/backup/ and dist/core/backup/ are both three folders below package.json.
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../package.json');
  try {
    return String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** Values JSON cannot hold as they are (bytes, 64-bit integers) get a tagged object. */
export function encodeValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $base64: value.toString('base64') };
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

export function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { $base64?: unknown }).$base64 === 'string') {
    return Buffer.from((value as { $base64: string }).$base64, 'base64');
  }
  return value;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Parents before children (foreign keys); a table's references to itself are left out. */
export function dependencyOrder(tables: string[], references: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: string) => {
    if (state.get(table) === 'done' || state.get(table) === 'visiting') return; // a cycle: restore handles it in one transaction
    state.set(table, 'visiting');
    for (const parent of [...(references.get(table) ?? [])].sort()) if (parent !== table && tables.includes(parent)) visit(parent);
    state.set(table, 'done');
    order.push(table);
  };
  for (const table of [...tables].sort()) visit(table);
  return order;
}

/** `headworks-backup-20261206-055900.jsonl.gz`, in UTC. */
export function defaultFileName(now: Date): string {
  const s = now.toISOString();
  return `headworks-backup-${s.slice(0, 10).replace(/-/g, '')}-${s.slice(11, 19).replace(/:/g, '')}.jsonl.gz`;
}

/** Files of the data folder a backup leaves out: the SQLite database (copied through SQLite) and other backups. */
export function isSkippedDataFile(relative: string, databaseFile: string | undefined, absolute: string): boolean {
  const base = path.basename(relative);
  if (databaseFile && isDatabaseFile(absolute, databaseFile)) return true;
  // The default SQLite database, even when the site now runs on PostgreSQL (a site that moved):
  // restored onto a SQLite site it would overwrite the database just restored.
  if (/^headworks\.sqlite(-wal|-shm|-journal)?$/.test(relative)) return true;
  if (/^headworks-backup-.*\.jsonl\.gz(\.partial-\d+)?$/.test(base) || base.includes('.partial-')) return true;
  return relative.split(path.sep).includes('.restore-staging');
}

export const isDatabaseFile = (absolute: string, databaseFile: string) =>
  [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`, `${databaseFile}-journal`].includes(absolute);

/**
 * A PostgreSQL client for a backup or a restore, connected, reading values as the app does
 * (src/core/db/index.ts: timestamps as ISO strings, bigints as numbers) for this client only.
 */
export async function connectPostgres(url: string, schema: string | undefined) {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 1184) return (v: string) => new Date(v).toISOString();
      if (oid === 1114) return (v: string) => new Date(`${v}Z`).toISOString();
      if (oid === 20) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  const client = new pg.Client({ connectionString: url, types, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  return client;
}
