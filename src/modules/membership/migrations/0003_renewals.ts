import type { Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';
import { columnTypes } from '#core/db/migrations/types.js';

/**
 * Renewals: the renewal invoice of each membership's cycle (one per renewal date), and every
 * reminder sent. The unique keys are what make "once per member per cycle" hold when two job
 * runs overlap: the second insert of the same key does nothing.
 */
export function renewals(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('renewal_invoices')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        .addColumn('renewal_date', t.timestamp, (c) => c.notNull())
        .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('renewal_invoices_one_per_cycle', ['membership_id', 'renewal_date'])
        .execute();

      await db.schema
        .createTable('renewal_reminders')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        .addColumn('renewal_date', t.timestamp, (c) => c.notNull())
        .addColumn('offset_days', 'integer', (c) => c.notNull())
        .addColumn('sent_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('renewal_reminders_once', ['membership_id', 'renewal_date', 'offset_days'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('renewal_reminders').execute();
      await db.schema.dropTable('renewal_invoices').execute();
    },
  };
}
