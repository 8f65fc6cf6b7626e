import type { Kysely } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';

/**
 * Card payments through Stripe: each member's Stripe customer and saved card (billing), and one
 * row per membership and renewal cycle for automatic renewal (membership): the notice sent
 * 7 days before, then the charge. `memberships.auto_renew` (0002) is the member's choice.
 */
export function stripe(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('stripe_customers')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('customer_id', 'text', (c) => c.notNull().unique())
        .addColumn('payment_method_id', 'text')
        .addColumn('card_label', 'text', (c) => c.notNull().defaultTo(''))
        // The Checkout session that saved the card, and when Stripe created it: a replayed or
        // older session never replaces a newer card.
        .addColumn('card_session_id', 'text')
        .addColumn('card_session_created', 'integer')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('auto_renewals')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        // The cycle: the membership's expires_at when the notice went out.
        .addColumn('period_start', t.timestamp, (c) => c.notNull())
        .addColumn('amount_cents', 'integer', (c) => c.notNull())
        .addColumn('card_label', 'text', (c) => c.notNull())
        .addColumn('notice_sent_at', t.timestamp, (c) => c.notNull())
        .addColumn('charge_due_at', t.timestamp, (c) => c.notNull())
        // notice_sent → charged | failed | not_needed (paid another way, void, or turned off).
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('invoice_id', 'integer', (c) => c.references('invoices.id').onDelete('set null'))
        .addColumn('attempted_at', t.timestamp)
        .addColumn('payment_intent_id', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('auto_renewals_cycle', ['membership_id', 'period_start'])
        .execute();
      await db.schema.createIndex('auto_renewals_due').on('auto_renewals').columns(['status', 'charge_due_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('auto_renewals').execute();
      await db.schema.dropTable('stripe_customers').execute();
    },
  };
}
