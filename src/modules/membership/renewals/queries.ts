import type { NotNull } from 'kysely';
import type { Db } from '#core/db/index.js';
import type { Executor } from '#core/db/index.js';

/** Active memberships (not covered by a bundle) whose renewal date is at or before `until`, with their level. */
export const activeRenewingBy = (db: Db, until: string) =>
  db
    .selectFrom('memberships')
    .innerJoin('membership_levels', 'membership_levels.id', 'memberships.level_id')
    .select([
      'memberships.id',
      'memberships.user_id',
      'memberships.level_id',
      'memberships.expires_at',
      'memberships.auto_renew',
      'membership_levels.dues_cents',
      'membership_levels.grace_days',
    ])
    .where('memberships.status', '=', 'active')
    .where('memberships.bundle_id', 'is', null)
    .where('memberships.expires_at', 'is not', null)
    .where('memberships.expires_at', '<=', until)
    .orderBy('memberships.expires_at')
    .orderBy('memberships.id')
    .$narrowType<{ expires_at: NotNull }>()
    .execute();

/** The reminders already sent to these memberships (all cycles; callers match the renewal date). */
export const remindersOf = (db: Db, membershipIds: number[]) =>
  membershipIds.length === 0
    ? Promise.resolve([])
    : db.selectFrom('renewal_reminders').select(['membership_id', 'renewal_date', 'offset_days']).where('membership_id', 'in', membershipIds).execute();

/**
 * Record that a reminder goes out; answers false when it was already recorded (by an earlier or a
 * concurrent run: the unique key decides, and on PostgreSQL a concurrent insert waits for the
 * other transaction to end first).
 */
export async function recordReminder(trx: Executor, r: { membership_id: number; renewal_date: string; offset_days: number; sent_at: string }) {
  const row = await trx
    .insertInto('renewal_reminders')
    .values(r)
    .onConflict((oc) => oc.columns(['membership_id', 'renewal_date', 'offset_days']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export const findRenewalInvoice = (db: Executor, membershipId: number, renewalDate: string) =>
  db.selectFrom('renewal_invoices').selectAll().where('membership_id', '=', membershipId).where('renewal_date', '=', renewalDate).executeTakeFirst();

/** Name `invoiceId` the cycle's renewal invoice, if the cycle has none yet; false when another run got there first. */
export async function insertRenewalInvoice(trx: Executor, r: { membership_id: number; renewal_date: string; invoice_id: number; now: string }) {
  const row = await trx
    .insertInto('renewal_invoices')
    .values({ membership_id: r.membership_id, renewal_date: r.renewal_date, invoice_id: r.invoice_id, created_at: r.now, updated_at: r.now })
    .onConflict((oc) => oc.columns(['membership_id', 'renewal_date']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Replace the cycle's invoice (the old one was voided), only if it is still `previousId`. */
export async function replaceRenewalInvoice(trx: Executor, id: number, previousId: number, invoiceId: number, now: string) {
  const result = await trx
    .updateTable('renewal_invoices')
    .set({ invoice_id: invoiceId, updated_at: now })
    .where('id', '=', id)
    .where('invoice_id', '=', previousId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
