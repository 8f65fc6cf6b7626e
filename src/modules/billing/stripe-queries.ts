import type { Selectable } from 'kysely';
import type { StripeCustomersTable } from './tables.js';
import type { Executor } from '#core/db/index.js';

export type StripeCustomerRow = Selectable<StripeCustomersTable>;

export const findCustomer = (db: Executor, userId: number) => db.selectFrom('stripe_customers').selectAll().where('user_id', '=', userId).executeTakeFirst();

/** Remember the member's Stripe customer; a concurrent request that got there first wins. */
export const insertCustomer = (db: Executor, row: { user_id: number; customer_id: string; now: string }) =>
  db
    .insertInto('stripe_customers')
    .values({
      user_id: row.user_id,
      customer_id: row.customer_id,
      payment_method_id: null,
      card_label: '',
      card_session_id: null,
      card_session_created: null,
      created_at: row.now,
      updated_at: row.now,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();

/**
 * Save the card a Checkout session set up, unless this session was already applied or a newer
 * one saved a card since (Stripe delivers events more than once and in any order). True when the
 * card was saved now.
 */
export async function saveCard(
  db: Executor,
  card: { user_id: number; customer_id: string; payment_method_id: string; card_label: string; session_id: string; session_created: number; now: string },
) {
  const result = await db
    .updateTable('stripe_customers')
    .set({
      payment_method_id: card.payment_method_id,
      card_label: card.card_label,
      card_session_id: card.session_id,
      card_session_created: card.session_created,
      updated_at: card.now,
    })
    .where('user_id', '=', card.user_id)
    .where('customer_id', '=', card.customer_id)
    .where((eb) => eb.or([eb('card_session_id', 'is', null), eb('card_session_id', '!=', card.session_id)]))
    .where((eb) => eb.or([eb('card_session_created', 'is', null), eb('card_session_created', '<=', card.session_created)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
