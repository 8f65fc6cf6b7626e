import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Config } from '../../config.js';
import { migrationProvider } from './migrations/index.js';
import type { DB } from './schema.js';
import { withStatementCache } from './sqlite-statements.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB>;

export interface Database {
  db: Db;
  dialect: Dialect;
  migrate(): Promise<string[]>;
  destroy(): Promise<void>;
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
      await client.query(`create schema if not exists "${settings.schema.replace(/"/g, '')}"`);
      await client.end();
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
    destroy: () => db.destroy(),
  };
}
