import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';

/**
 * Domain events and who owns an invoice's purpose (decision 0026).
 * - `outbox`: every domain event as it was emitted, written in the transaction that caused it.
 * - `membership_invoices`: membership's own link to its dues invoices (and the period each pays
 *   for), filled from the invoices' `membership_id`, `purpose` and `period_start/end`, which are
 *   then dropped: billing no longer knows what an invoice is for. Only `dues` invoices with a
 *   membership are linked (the only ones a payment ever acted on).
 *
 * SQLite cannot drop a column that has a foreign key (`membership_id`), so there the table is
 * made again without the four columns (SQLite's own recipe: foreign keys off, new table, copy,
 * drop, rename, all in one savepoint). A restore runs this inside its transaction with foreign
 * keys already off; a normal start runs it outside any transaction with them on.
 */
export function domainEvents(dialect: Dialect) {
  const t = columnTypes(dialect);

  async function steps(db: Kysely<any>) {
    await db.schema
      .createTable('outbox')
      .addColumn('id', t.id, (c) => t.primaryId(c))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('published_at', t.timestamp)
      .execute();
    // What a reader asks: the events not yet published, oldest first.
    await db.schema.createIndex('outbox_unpublished').on('outbox').column('id').where(sql.ref('published_at'), 'is', null).execute();

    await db.schema
      .createTable('membership_invoices')
      .addColumn('invoice_id', 'integer', (c) => c.primaryKey().references('invoices.id').onDelete('cascade'))
      .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
      .addColumn('period_start', t.timestamp)
      .addColumn('period_end', t.timestamp)
      .execute();
    await db.schema.createIndex('membership_invoices_membership').on('membership_invoices').column('membership_id').execute();
    await sql`
      insert into membership_invoices (invoice_id, membership_id, period_start, period_end)
      select id, membership_id, period_start, period_end from invoices
      where membership_id is not null and purpose = 'dues'
    `.execute(db);

    if (dialect === 'postgres') {
      await db.schema.alterTable('invoices').dropColumn('membership_id').execute();
      await db.schema.alterTable('invoices').dropColumn('purpose').execute();
      await db.schema.alterTable('invoices').dropColumn('period_start').execute();
      await db.schema.alterTable('invoices').dropColumn('period_end').execute();
      return;
    }
    await db.schema
      .createTable('invoices_new')
      .addColumn('id', t.id, (c) => t.primaryId(c))
      .addColumn('number', 'integer', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addColumn('bill_to', 'text', (c) => c.notNull())
      .addColumn('issued_at', t.timestamp, (c) => c.notNull())
      .addColumn('due_at', t.timestamp, (c) => c.notNull())
      .addColumn('paid_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    const columns = sql.raw('id, number, user_id, status, currency, total_cents, bill_to, issued_at, due_at, paid_at, created_at, updated_at');
    await sql`insert into invoices_new (${columns}) select ${columns} from invoices order by id`.execute(db);
    // Ids go on after the largest ever given, as they did (AUTOINCREMENT's counter).
    const seq = (await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'invoices'`.execute(db)).rows[0]?.seq;
    await sql`drop table invoices`.execute(db);
    await sql`alter table invoices_new rename to invoices`.execute(db);
    if (seq !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = 'invoices'`.execute(db);
    await db.schema.createIndex('invoices_user').on('invoices').column('user_id').execute();
    for (const table of ['invoices', 'invoice_lines', 'payments', 'invoice_events', 'renewal_invoices', 'auto_renewals', 'membership_invoices']) {
      const broken = (await sql<{ parent: string }>`select parent from pragma_foreign_key_check(${table})`.execute(db)).rows;
      if (broken.length) throw new Error(`0014: ${broken.length} row(s) of ${table} refer to missing rows of ${broken[0]!.parent}`);
    }
  }

  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') return steps(db);
      await sqliteWithoutForeignKeys(db, () => steps(db));
    },
    async down(db: Kysely<any>) {
      await db.schema
        .alterTable('invoices')
        .addColumn('membership_id', 'integer', (c) => c.references('memberships.id').onDelete('set null'))
        .execute();
      await db.schema
        .alterTable('invoices')
        .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('other'))
        .execute();
      await db.schema.alterTable('invoices').addColumn('period_start', t.timestamp).execute();
      await db.schema.alterTable('invoices').addColumn('period_end', t.timestamp).execute();
      await sql`
        update invoices set
          membership_id = (select m.membership_id from membership_invoices m where m.invoice_id = invoices.id),
          period_start = (select m.period_start from membership_invoices m where m.invoice_id = invoices.id),
          period_end = (select m.period_end from membership_invoices m where m.invoice_id = invoices.id),
          purpose = 'dues'
        where id in (select invoice_id from membership_invoices)
      `.execute(db);
      await db.schema.dropTable('membership_invoices').execute();
      await db.schema.dropTable('outbox').execute();
    },
  };
}

/**
 * Run `work` with SQLite's foreign keys off (dropping a table they point at would otherwise
 * delete or refuse its children), in a savepoint: a transaction of its own on a normal start, a
 * part of the restore's transaction (where they are off already) during a restore.
 */
async function sqliteWithoutForeignKeys(db: Kysely<any>, work: () => Promise<void>) {
  const on = async () => (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1;
  const wasOn = await on();
  if (wasOn) {
    await sql`pragma foreign_keys = off`.execute(db);
    // The pragma does nothing inside a transaction: never go on with them on.
    if (await on()) throw new Error('0014: SQLite foreign keys could not be turned off (inside a transaction?)');
  }
  try {
    await sql`savepoint domain_events`.execute(db);
    try {
      await work();
      await sql`release domain_events`.execute(db);
    } catch (err) {
      await sql`rollback to domain_events`.execute(db);
      await sql`release domain_events`.execute(db);
      throw err;
    }
  } finally {
    if (wasOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}
