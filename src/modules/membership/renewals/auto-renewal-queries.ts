import type { NotNull, Selectable } from 'kysely';
import type { AutoRenewalsTable } from '../tables.js';
import type { Executor } from '#core/db/index.js';

export type AutoRenewalRow = Selectable<AutoRenewalsTable>;

const renewing = (db: Executor) =>
  db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .innerJoin('membership_levels', 'membership_levels.id', 'memberships.level_id')
    .where('memberships.auto_renew', '=', 1)
    .where('memberships.status', '=', 'active')
    // People covered by an agency's bundle do not pay dues of their own.
    .where('memberships.bundle_id', 'is', null)
    .where('memberships.expires_at', 'is not', null);

const member = [
  'memberships.id',
  'memberships.user_id',
  'memberships.level_id',
  'memberships.expires_at',
  'users.name',
  'users.email',
  'membership_levels.name as level_name',
] as const;

/** Memberships renewing automatically by `until` whose current cycle has had no notice yet. */
export const dueForNotice = (db: Executor, until: string, limit: number) =>
  renewing(db)
    .leftJoin('auto_renewals', (join) => join.onRef('auto_renewals.membership_id', '=', 'memberships.id').onRef('auto_renewals.period_start', '=', 'memberships.expires_at'))
    .select(member)
    .where('memberships.expires_at', '<=', until)
    .where('auto_renewals.id', 'is', null)
    .orderBy('memberships.expires_at')
    .orderBy('memberships.id')
    .limit(limit)
    .$narrowType<{ expires_at: NotNull }>()
    .execute();

/** Cycles whose notice went out and whose charge date has come, still renewing automatically. */
export const dueForCharge = (db: Executor, now: string, limit: number) =>
  renewing(db)
    .innerJoin('auto_renewals', (join) => join.onRef('auto_renewals.membership_id', '=', 'memberships.id').onRef('auto_renewals.period_start', '=', 'memberships.expires_at'))
    .select(member)
    .select(['auto_renewals.id as cycle_id'])
    .where('auto_renewals.status', '=', 'notice_sent')
    .where('auto_renewals.charge_due_at', '<=', now)
    .orderBy('auto_renewals.charge_due_at')
    .orderBy('auto_renewals.id')
    .limit(limit)
    .$narrowType<{ expires_at: NotNull }>()
    .execute();

/** Start a cycle (normally with its notice); false when it was already started (by an earlier or a concurrent run). */
export async function insertCycle(db: Executor, row: Omit<AutoRenewalRow, 'id' | 'invoice_id' | 'attempted_at' | 'payment_intent_id'>) {
  const inserted = await db
    .insertInto('auto_renewals')
    .values({ ...row, invoice_id: null, attempted_at: null, payment_intent_id: null })
    .onConflict((oc) => oc.columns(['membership_id', 'period_start']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export const findCycle = (db: Executor, id: number) => db.selectFrom('auto_renewals').selectAll().where('id', '=', id).executeTakeFirst();

export const cycleOf = (db: Executor, membershipId: number, periodStart: string) =>
  db.selectFrom('auto_renewals').selectAll().where('membership_id', '=', membershipId).where('period_start', '=', periodStart).executeTakeFirst();

/** Update a cycle that is still waiting for its charge; false when another run finished it. */
export async function updateOpenCycle(
  db: Executor,
  id: number,
  values: Partial<Pick<AutoRenewalRow, 'status' | 'detail' | 'invoice_id' | 'attempted_at' | 'payment_intent_id'>> & { updated_at: string },
) {
  const result = await db.updateTable('auto_renewals').set(values).where('id', '=', id).where('status', '=', 'notice_sent').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
