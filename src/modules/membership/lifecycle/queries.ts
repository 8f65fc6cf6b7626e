import type { Selectable } from 'kysely';
import type { Db } from '#core/db/index.js';
import { prepared } from '#core/db/prepared.js';
import type { MemberContact, MembershipStatus, MembershipsTable } from '#core/db/schema.js';
import type { Executor } from '#core/jobs/index.js';
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

export const updateMembership = (db: Executor, id: number, values: Partial<Omit<MembershipRow, 'id'>> & { updated_at: string }) =>
  db.updateTable('memberships').set(values).where('id', '=', id).execute();

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
