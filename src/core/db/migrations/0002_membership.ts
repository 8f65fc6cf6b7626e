import type { Kysely } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';

/** Membership levels, memberships and their history; invoices, their lines, payments and audit. */
export function membership(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('email_verified_at', t.timestamp).execute();

      await db.schema
        .createTable('membership_levels')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('dues_cents', 'integer', (c) => c.notNull())
        .addColumn('requires_approval', 'integer', (c) => c.notNull())
        .addColumn('renewal_policy', 'text', (c) => c.notNull())
        .addColumn('renewal_month', 'integer')
        .addColumn('renewal_day', 'integer')
        .addColumn('prorate', 'integer', (c) => c.notNull())
        .addColumn('grace_days', 'integer', (c) => c.notNull())
        .addColumn('public_can_apply', 'integer', (c) => c.notNull())
        .addColumn('bundle_size', 'integer')
        .addColumn('is_example', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('archived_at', t.timestamp)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
        .addColumn('level_id', 'integer', (c) => c.notNull().references('membership_levels.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('organization', 'text', (c) => c.notNull())
        .addColumn('job_title', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('address_line1', 'text', (c) => c.notNull())
        .addColumn('address_line2', 'text', (c) => c.notNull())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('postal_code', 'text', (c) => c.notNull())
        .addColumn('started_at', t.timestamp)
        .addColumn('expires_at', t.timestamp)
        .addColumn('auto_renew', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bundle_id', 'integer', (c) => c.references('memberships.id').onDelete('set null'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('memberships_status').on('memberships').columns(['status', 'expires_at']).execute();
      await db.schema.createIndex('memberships_level').on('memberships').column('level_id').execute();

      await db.schema
        .createTable('membership_events')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('membership_events_membership').on('membership_events').columns(['membership_id', 'created_at']).execute();

      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('invoices')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('number', 'integer', (c) => c.notNull().unique())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('membership_id', 'integer', (c) => c.references('memberships.id').onDelete('set null'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('total_cents', 'integer', (c) => c.notNull())
        .addColumn('bill_to', 'text', (c) => c.notNull())
        .addColumn('issued_at', t.timestamp, (c) => c.notNull())
        .addColumn('due_at', t.timestamp, (c) => c.notNull())
        .addColumn('paid_at', t.timestamp)
        .addColumn('period_start', t.timestamp)
        .addColumn('period_end', t.timestamp)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('invoices_user').on('invoices').column('user_id').execute();

      await db.schema
        .createTable('invoice_lines')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id').onDelete('cascade'))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_cents', 'integer', (c) => c.notNull())
        .addColumn('amount_cents', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('payments')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('amount_cents', 'integer', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('recorded_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('invoice_events')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('invoice_id', 'integer', (c) => c.notNull().references('invoices.id').onDelete('cascade'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['invoice_events', 'payments', 'invoice_lines', 'invoices', 'counters', 'membership_events', 'memberships', 'membership_levels']) {
        await db.schema.dropTable(table).execute();
      }
      await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
    },
  };
}
