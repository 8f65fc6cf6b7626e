import fs from 'node:fs';
import type { Config } from '#src/config.js';
import { MIGRATOR_TABLES, connectPostgres, dependencyOrder, quoteIdent } from './format.js';

/**
 * One consistent view of the whole database, read table by table without holding a table in
 * memory: a read transaction on SQLite (WAL keeps the snapshot while the site writes), a
 * REPEATABLE READ, READ ONLY transaction with a cursor per table on PostgreSQL.
 */
export interface Snapshot {
  migrations: string[];
  /** Every table of the site, parents before the tables that refer to them. */
  tables: string[];
  columns(table: string): Promise<string[]>;
  rows(table: string, columns: string[]): AsyncIterable<unknown[][]>;
  close(): Promise<void>;
}

const BATCH = 1000;

export class NothingToBackUp extends Error {}

export async function openSnapshot(database: Config['database']): Promise<Snapshot> {
  return database.kind === 'sqlite' ? sqliteSnapshot(database.file) : postgresSnapshot(database.url, database.schema);
}

async function sqliteSnapshot(file: string): Promise<Snapshot> {
  if (!fs.existsSync(file)) throw new NothingToBackUp(`There is no database at ${file}: nothing to back up.`);
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.prepare('begin').run();
  try {
    // The first read fixes the snapshot every later read of this transaction sees.
    const names = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`).all() as { name: string }[]).map((r) => r.name);
    if (!names.includes('kysely_migration')) throw new NothingToBackUp('The database has no Headworks tables yet: nothing to back up.');
    const migrations = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
    const tables = names.filter((t) => !MIGRATOR_TABLES.has(t));
    const references = new Map<string, Set<string>>();
    for (const t of tables) {
      const fks = db.prepare(`select "table" from pragma_foreign_key_list(?)`).all(t) as { table: string }[];
      references.set(t, new Set(fks.map((f) => f.table)));
    }
    return {
      migrations,
      tables: dependencyOrder(tables, references),
      async columns(table) {
        return (db.prepare('select name from pragma_table_info(?) order by cid').all(table) as { name: string }[]).map((c) => c.name);
      },
      async *rows(table, columns) {
        const pk = (db.prepare('select name from pragma_table_info(?) where pk > 0 order by pk').all(table) as { name: string }[]).map((c) => c.name);
        const order = pk.length ? pk.map(quoteIdent).join(', ') : 'rowid';
        const statement = db.prepare(`select ${columns.map(quoteIdent).join(', ')} from ${quoteIdent(table)} order by ${order}`).raw(true);
        let batch: unknown[][] = [];
        for (const row of statement.iterate() as Iterable<unknown[]>) {
          batch.push(row);
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      },
      async close() {
        if (!db.open) return;
        if (db.inTransaction) db.prepare('commit').run();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

async function postgresSnapshot(url: string, schema: string | undefined): Promise<Snapshot> {
  const client = await connectPostgres(url, schema);
  let open = true;
  const end = async () => {
    if (!open) return;
    open = false;
    await client.end();
  };
  try {
    await client.query('begin isolation level repeatable read read only');
    const names = (
      await client.query<{ name: string }>(
        `select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
      )
    ).rows.map((r) => r.name);
    if (!names.includes('kysely_migration')) throw new NothingToBackUp('The database has no Headworks tables yet: nothing to back up.');
    const migrations = (await client.query<{ name: string }>('select name from kysely_migration order by name')).rows.map((r) => r.name);
    const tables = names.filter((t) => !MIGRATOR_TABLES.has(t));
    const fks = await client.query<{ child: string; parent: string }>(
      `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
         from pg_constraint c where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`,
    );
    const unquote = (name: string) => name.replace(/^.*\./, '').replace(/^"(.*)"$/, '$1');
    const references = new Map<string, Set<string>>();
    for (const fk of fks.rows) {
      const child = unquote(fk.child);
      if (!references.has(child)) references.set(child, new Set());
      references.get(child)!.add(unquote(fk.parent));
    }
    let cursor = 0;
    return {
      migrations,
      tables: dependencyOrder(tables, references),
      async columns(table) {
        const r = await client.query<{ name: string }>(
          `select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
          [table],
        );
        return r.rows.map((c) => c.name);
      },
      async *rows(table, columns) {
        const pk = await client.query<{ name: string }>(
          `select a.attname as name from pg_index i
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
            where i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass and i.indisprimary
            order by array_position(i.indkey, a.attnum)`,
          [table],
        );
        const order = pk.rows.length ? pk.rows.map((c) => quoteIdent(c.name)).join(', ') : columns.map((_, i) => String(i + 1)).join(', ');
        const name = `backup_${++cursor}`;
        await client.query(`declare ${name} no scroll cursor for select ${columns.map(quoteIdent).join(', ')} from ${quoteIdent(table)} order by ${order}`);
        for (;;) {
          const r = await client.query({ text: `fetch ${BATCH} from ${name}`, rowMode: 'array' });
          if (r.rows.length === 0) break;
          yield r.rows as unknown[][];
        }
        await client.query(`close ${name}`);
      },
      async close() {
        if (!open) return;
        try {
          await client.query('commit');
        } finally {
          await end();
        }
      },
    };
  } catch (err) {
    await end();
    throw err;
  }
}
