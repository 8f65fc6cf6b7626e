import type { Selectable } from 'kysely';
import type { Db } from '#core/db/index.js';
import { prepared } from '#core/db/prepared.js';
import type { MemberContact, MembershipInvoicesTable, MembershipStatus, MembershipsTable } from '../tables.js';
import type { Executor } from '#core/db/index.js';
import type { LevelInput } from './levels.js';

export type MembershipRow = Selectable<MembershipsTable>;

export const levelValues = (input: LevelInput) => ({
  name: input.name,
  description: input.description,
  dues_cents: input.dues,
  requires_approval: input.requires_approval ? 1 : 0,
  renewal_policy: input.renewal_policy,
  renewal_month: input.renewal_policy === 'fixed_date' ? input.renewal_month : null,
  renewal_day: input.renewal_policy === 'fixed_date' ? input.renewal_day : null,
  prorate: input.renewal_policy === 'fixed_date' && input.prorate ? 1 : 0,
  grace_days: input.grace_days,
  public_can_apply: input.public_can_apply ? 1 : 0,
  bundle_size: input.bundle_size,
});

export const listLevels = (db: Executor) => db.selectFrom('membership_levels').selectAll().where('archived_at', 'is', null).orderBy('position').orderBy('id').execute();

export const findLevel = (db: Executor, id: number) => db.selectFrom('membership_levels').selectAll().where('id', '=', id).executeTakeFirst();

export const findLevelByName = (db: Executor, name: string) => db.selectFrom('membership_levels').selectAll().where('name', '=', name).executeTakeFirst();

export const insertLevel = (db: Executor, input: LevelInput, extra: { is_example: number; position: number; now: string }) =>
  db
    .insertInto('membership_levels')
    .values({ ...levelValues(input), is_example: extra.is_example, position: extra.position, created_at: extra.now, updated_at: extra.now })
    .returning('id')
    .executeTakeFirstOrThrow();

export const updateLevel = (db: Executor, id: number, input: LevelInput, now: string) =>
  db
    .updateTable('membership_levels')
    .set({ ...levelValues(input), is_example: 0, updated_at: now })
    .where('id', '=', id)
    .execute();

export async function countLevels(db: Executor) {
  const row = await db
    .selectFrom('membership_levels')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type MembershipWrite = Omit<MembershipRow, 'id' | 'created_at' | 'updated_at' | 'auto_renew' | 'bundle_id' | 'started_at' | 'expires_at'>;

export const insertMembership = (db: Executor, m: MembershipWrite, now: string) =>
  db
    .insertInto('memberships')
    .values({ ...m, auto_renew: 0, bundle_id: null, started_at: null, expires_at: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();

/** Change a membership's details (contact, level, renewal date): never its status, which only `transitionMembership` writes. */
export const updateMembership = (db: Executor, id: number, values: Partial<Omit<MembershipRow, 'id' | 'status'>> & { updated_at: string }) =>
  db.updateTable('memberships').set(values).where('id', '=', id).execute();

/**
 * The write of a status change (its one caller is `changeStatus`, lifecycle/status.ts): only while
 * the status is one of `from` and, when `whileExpiresAt` is given, the renewal date is still that
 * (what the caller read). Whether it changed the row: false when something changed it meanwhile.
 * On PostgreSQL a second transaction making the same change waits for the first on the row's lock,
 * then finds the status no longer in `from`.
 */
export async function transitionMembership(
  db: Executor,
  id: number,
  from: readonly MembershipStatus[],
  values: { status: MembershipStatus; started_at?: string; expires_at?: string | null; updated_at: string },
  whileExpiresAt?: string,
) {
  let update = db
    .updateTable('memberships')
    .set(values)
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  if (whileExpiresAt !== undefined) update = update.where('expires_at', '=', whileExpiresAt);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A membership taken up again by a new application (`applyAgain`), only while its status is one of
 * `from`: at a level, waiting for e-mail confirmation, out of any agency bundle, with no start or
 * renewal date of its own yet. Whether it was (one row, or none when its status changed meanwhile).
 */
export async function restartMembership(db: Executor, id: number, from: readonly MembershipStatus[], m: MemberContact & { level_id: number; updated_at: string }) {
  const result = await db
    .updateTable('memberships')
    .set({ ...m, status: 'pending_verification', bundle_id: null, started_at: null, expires_at: null, auto_renew: 0 })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const findMembership = (db: Executor, id: number) => db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();

export const findMembershipByUser = (db: Executor, userId: number) => db.selectFrom('memberships').selectAll().where('user_id', '=', userId).executeTakeFirst();

export const insertEvent = (db: Executor, e: { membership_id: number; kind: string; detail: string; actor_user_id: number | null; created_at: string }) =>
  db.insertInto('membership_events').values(e).execute();

export type MembershipInvoiceRow = Selectable<MembershipInvoicesTable>;

/** Name an invoice billing issued as this membership's dues for a period (billing does not know what an invoice is for). */
export const linkInvoice = (db: Executor, link: { invoice_id: number; membership_id: number; period_start: Date; period_end: Date }) =>
  db
    .insertInto('membership_invoices')
    .values({ invoice_id: link.invoice_id, membership_id: link.membership_id, period_start: link.period_start.toISOString(), period_end: link.period_end.toISOString() })
    .execute();

/** The membership an invoice pays dues for, and the period; undefined for any other invoice. */
export const invoiceLink = (db: Executor, invoiceId: number) => db.selectFrom('membership_invoices').selectAll().where('invoice_id', '=', invoiceId).executeTakeFirst();

/** Every dues invoice of a membership (ids and periods; the invoices themselves are billing's). */
export const invoiceLinksOf = (db: Executor, membershipId: number) => db.selectFrom('membership_invoices').selectAll().where('membership_id', '=', membershipId).execute();

/** When the membership's current application was made: its latest `applied` event (a re-application reuses the row). */
export async function appliedAt(db: Executor, membershipId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('membership_events')
    .select('created_at')
    .where('membership_id', '=', membershipId)
    .where('kind', '=', 'applied')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at;
}

export const listEvents = (db: Executor, membershipId: number) =>
  db
    .selectFrom('membership_events')
    .leftJoin('users', 'users.id', 'membership_events.actor_user_id')
    .select(['membership_events.id', 'membership_events.kind', 'membership_events.detail', 'membership_events.created_at', 'users.name as actor_name'])
    .where('membership_id', '=', membershipId)
    .orderBy('membership_events.created_at')
    .orderBy('membership_events.id')
    .execute();

export async function countMemberships(db: Db, statuses?: MembershipStatus[]) {
  let q = db.selectFrom('memberships').select((eb) => eb.fn.countAll<number>().as('n'));
  if (statuses?.length) q = q.where('status', 'in', statuses);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Whether a user may see members-only content now: an active membership within its grace period. */
// Every members-only request asks these, hence compiled once.
const ownAccess = prepared((db, v: { userId: number }) =>
  db
    .selectFrom('memberships')
    .innerJoin('membership_levels', 'membership_levels.id', 'memberships.level_id')
    .select(['memberships.expires_at', 'membership_levels.grace_days'])
    .where('memberships.user_id', '=', v.userId)
    .where('memberships.status', '=', 'active')
    // A covered person's access is their agency's (below), never a renewal date of their own.
    .where('memberships.bundle_id', 'is', null)
    .where('memberships.expires_at', 'is not', null),
);
const bundleAccess = prepared((db, v: { userId: number }) =>
  db
    .selectFrom('memberships as covered')
    .innerJoin('memberships as owner', 'owner.id', 'covered.bundle_id')
    .innerJoin('membership_levels', 'membership_levels.id', 'owner.level_id')
    .select(['owner.expires_at', 'membership_levels.grace_days'])
    .where('covered.user_id', '=', v.userId)
    .where('covered.status', '=', 'active')
    .where('owner.status', '=', 'active')
    .where('owner.bundle_id', 'is', null)
    .where('membership_levels.bundle_size', 'is not', null)
    .where('owner.expires_at', 'is not', null),
);

export async function hasMemberAccess(db: Executor, userId: number, nowMs: number) {
  const [row] = await ownAccess(db, { userId });
  if (row && new Date(row.expires_at!).getTime() + row.grace_days * 86_400_000 > nowMs) return true;
  // A person covered by an agency's bundle has access exactly while the agency's own membership gives it.
  const [bundle] = await bundleAccess(db, { userId });
  return !!bundle && new Date(bundle.expires_at!).getTime() + bundle.grace_days * 86_400_000 > nowMs;
}

// Agency bundles' covered memberships (bundles/service.ts)

/** The people a bundle covers follow its contact to another agency level. */
export const moveCoveredToLevel = (db: Executor, bundleId: number, levelId: number, now: string) =>
  db.updateTable('memberships').set({ level_id: levelId, updated_at: now }).where('bundle_id', '=', bundleId).where('status', 'in', ['active', 'suspended']).execute();

export const insertCoveredMembership = (db: Executor, m: { user_id: number; level_id: number; bundle_id: number; organization: string; now: string }) =>
  db
    .insertInto('memberships')
    .values({
      user_id: m.user_id,
      level_id: m.level_id,
      status: 'active',
      organization: m.organization,
      job_title: '',
      phone: '',
      address_line1: '',
      address_line2: '',
      city: '',
      region: '',
      postal_code: '',
      started_at: m.now,
      expires_at: null,
      auto_renew: 0,
      bundle_id: m.bundle_id,
      created_at: m.now,
      updated_at: m.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

/** A covered membership that ended (cancelled) taken up again, by this bundle. */
/** Cover again someone whose coverage ended; false when their membership changed meanwhile (e.g. they applied for one of their own). */
export async function reviveCoveredMembership(db: Executor, id: number, m: { level_id: number; bundle_id: number; now: string }) {
  const result = await db
    .updateTable('memberships')
    .set({ status: 'active', level_id: m.level_id, bundle_id: m.bundle_id, expires_at: null, updated_at: m.now })
    .where('id', '=', id)
    .where('status', '=', 'cancelled')
    .where('bundle_id', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const endCoveredMembership = (db: Executor, id: number, now: string) =>
  db.updateTable('memberships').set({ status: 'cancelled', updated_at: now }).where('id', '=', id).execute();

/** Touch the contact's membership first in a transaction, so two additions to one bundle wait for each other (PostgreSQL row lock). */
export const lockBundle = (db: Executor, bundleId: number, now: string) => db.updateTable('memberships').set({ updated_at: now }).where('id', '=', bundleId).execute();

// Automatic renewal's switch (renewals/auto-renewal.ts)

/** Turn automatic renewal on or off; false when it already was. */
export async function setAutoRenew(db: Executor, membershipId: number, on: boolean, now: string) {
  const result = await db
    .updateTable('memberships')
    .set({ auto_renew: on ? 1 : 0, updated_at: now })
    .where('id', '=', membershipId)
    .where('auto_renew', '=', on ? 0 : 1)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Imported members (imports/service.ts)

export const insertImportedMemberships = (
  db: Executor,
  rows: (MemberContact & {
    user_id: number;
    level_id: number;
    status: MembershipStatus;
    started_at: string | null;
    expires_at: string | null;
    now: string;
  })[],
) =>
  db
    .insertInto('memberships')
    .values(rows.map(({ now, ...r }) => ({ ...r, auto_renew: 0, bundle_id: null, created_at: now, updated_at: now })))
    .returning(['id', 'user_id'])
    .execute();
