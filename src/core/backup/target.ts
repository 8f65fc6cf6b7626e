import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Config } from '#src/config.js';
import type { Dialect } from '../db/index.js';
import { migrationProvider } from '../db/migrations/index.js';
import { MIGRATOR_TABLES, connectPostgres, quoteIdent } from './format.js';

/**
 * The database a restore writes to, held on ONE connection so that everything (dropping the old
 * tables, migrating, loading the rows, migrating further) is one transaction: all or nothing.
 * The migrator is told not to open transactions of its own.
 */
export interface Target {
  db: Kysely<any>;
  dialect: Dialect;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Tables holding rows, with their counts (the migrator's own tables left out). */
  content(): Promise<{ table: string; rows: number }[]>;
  dropEverything(): Promise<void>;
  migrateTo(name: string | 'latest'): Promise<string[]>;
  tableColumns(table: string): Promise<string[] | undefined>;
  primaryKey(table: string): Promise<string[]>;
  /** Columns that refer to their own table (e.g. a membership's bundle): filled in after the rows. */
  selfReferences(table: string): Promise<string[]>;
  /** Derived-data triggers must not fire while rows are copied as they were. */
  disableTriggers(): Promise<void>;
  enableTriggers(): Promise<void>;
  /** New rows must get ids after the restored ones. */
  resetSequences(): Promise<void>;
  checkForeignKeys(): Promise<void>;
  close(): Promise<void>;
}

export async function openTarget(database: Config['database']): Promise<Target> {
  return database.kind === 'sqlite' ? sqliteTarget(database.file) : postgresTarget(database.url, database.schema);
}

async function tables(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`;
  return (await query.execute(db)).rows.map((r) => r.name);
}

function common(db: Kysely<any>, dialect: Dialect, migrationTableSchema: string | undefined) {
  const migrator = () => new Migrator({ db, provider: migrationProvider(dialect), disableTransactions: true, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  return {
    db,
    dialect,
    async content() {
      const found: { table: string; rows: number }[] = [];
      for (const table of await tables(db, dialect)) {
        if (MIGRATOR_TABLES.has(table)) continue;
        const row = (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0];
        const rows = Number(row?.n ?? 0);
        if (rows > 0) found.push({ table, rows });
      }
      return found;
    },
    async migrateTo(name: string) {
      const m = migrator();
      const { error, results } = name === 'latest' ? await m.migrateToLatest() : await m.migrateTo(name);
      if (error) throw error;
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async tableColumns(table: string): Promise<string[] | undefined> {
      const query =
        dialect === 'sqlite'
          ? sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`
          : sql<{
              name: string;
            }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`;
      const rows = (await query.execute(db)).rows.map((r) => r.name);
      return rows.length ? rows : undefined;
    },
  };
}

async function sqliteTarget(file: string): Promise<Target> {
  const { default: SQLite } = await import('better-sqlite3');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  // Off for the restore's connection only (it cannot change inside a transaction): old tables are
  // dropped in any order and rows copied in the backup's order; checked as a whole before commit.
  sqlite.pragma('foreign_keys = OFF');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const base = common(db, 'sqlite', undefined);
  let triggers: { name: string; sql: string }[] = [];
  return {
    ...base,
    begin: async () => void (await sql`begin immediate`.execute(db)),
    commit: async () => void (await sql`commit`.execute(db)),
    rollback: async () => {
      if (sqlite.inTransaction) await sql`rollback`.execute(db);
    },
    async dropEverything() {
      for (const table of await tables(db, 'sqlite')) await sql`drop table ${sql.table(table)}`.execute(db);
    },
    async primaryKey(table) {
      return (await sql<{ name: string }>`select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db)).rows.map((r) => r.name);
    },
    selfReferences: async () => [],
    async disableTriggers() {
      triggers = (await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'trigger' order by name`.execute(db)).rows;
      for (const t of triggers) await sql`drop trigger ${sql.id(t.name)}`.execute(db);
    },
    async enableTriggers() {
      for (const t of triggers) await sql.raw(t.sql).execute(db);
      triggers = [];
    },
    // AUTOINCREMENT follows the largest id inserted by itself.
    resetSequences: async () => {},
    async checkForeignKeys() {
      const broken = (await sql<{ table: string; parent: string }>`select "table", parent from pragma_foreign_key_check`.execute(db)).rows;
      if (broken.length) {
        const first = broken[0]!;
        throw new Error(`${broken.length} row(s) refer to rows that are not in the backup (first: ${first.table} → ${first.parent})`);
      }
    },
    close: () => db.destroy(),
  };
}

async function postgresTarget(url: string, schema: string | undefined): Promise<Target> {
  const client = await connectPostgres(url, schema);
  if (schema) await client.query(`create schema if not exists ${quoteIdent(schema)}`);
  // Kysely asks a pool for a connection each time: this one always lends the same client.
  const single = Object.assign(client, { release() {} });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: { connect: async () => single, end: async () => {} } as never }) });
  const current = (await client.query<{ schema: string }>('select current_schema() as schema')).rows[0]!.schema;
  const base = common(db, 'postgres', current);
  const regclass = (table: string) => sql`(quote_ident(current_schema()) || '.' || quote_ident(${table}))::regclass`;
  return {
    ...base,
    begin: async () => void (await client.query('begin')),
    commit: async () => void (await client.query('commit')),
    rollback: async () => void (await client.query('rollback')),
    async dropEverything() {
      const all = await tables(db, 'postgres');
      if (all.length) await sql.raw(`drop table ${all.map(quoteIdent).join(', ')} cascade`).execute(db);
      // The migrations' trigger functions (not those of an extension installed in the schema).
      const functions = await sql<{ name: string; args: string }>`
        select p.proname as name, pg_get_function_identity_arguments(p.oid) as args
          from pg_proc p
         where p.pronamespace = current_schema()::regnamespace and p.prorettype = 'trigger'::regtype
           and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')`.execute(db);
      for (const f of functions.rows) await sql.raw(`drop function ${quoteIdent(f.name)}(${f.args}) cascade`).execute(db);
    },
    async primaryKey(table) {
      const r = await sql<{ name: string }>`
        select a.attname as name from pg_index i
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
         where i.indrelid = ${regclass(table)} and i.indisprimary
         order by array_position(i.indkey, a.attnum)`.execute(db);
      return r.rows.map((c) => c.name);
    },
    async selfReferences(table) {
      const r = await sql<{ name: string }>`
        select distinct a.attname as name from pg_constraint c
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
         where c.contype = 'f' and c.conrelid = ${regclass(table)} and c.confrelid = c.conrelid`.execute(db);
      return r.rows.map((c) => c.name);
    },
    async disableTriggers() {
      for (const table of await tables(db, 'postgres')) await sql.raw(`alter table ${quoteIdent(table)} disable trigger user`).execute(db);
    },
    async enableTriggers() {
      for (const table of await tables(db, 'postgres')) await sql.raw(`alter table ${quoteIdent(table)} enable trigger user`).execute(db);
    },
    async resetSequences() {
      const serials = await sql<{ table: string; column: string }>`
        select table_name as "table", column_name as "column" from information_schema.columns
         where table_schema = current_schema() and (column_default like 'nextval(%' or is_identity = 'YES')`.execute(db);
      for (const { table, column } of serials.rows) {
        await sql`select setval(pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(${table}), ${column}),
                                coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
      }
    },
    // Foreign keys are checked row by row as they are inserted.
    checkForeignKeys: async () => {},
    async close() {
      await client.end();
    },
  };
}
