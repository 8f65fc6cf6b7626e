import type { Executor } from '#core/db/index.js';

/** The SQL of agency bundles: the contact's membership (`bundle_id` null, a level with a bundle size) and the memberships it covers. */

const bundles = (db: Executor) =>
  db
    .selectFrom('memberships')
    .innerJoin('membership_levels', 'membership_levels.id', 'memberships.level_id')
    .select([
      'memberships.id',
      'memberships.user_id',
      'memberships.level_id',
      'memberships.status',
      'memberships.organization',
      'membership_levels.name as level_name',
      'membership_levels.bundle_size',
    ])
    .where('memberships.bundle_id', 'is', null)
    .where('membership_levels.bundle_size', 'is not', null);

/** A user's own membership when its level is a bundle, with the level's size and name. */
export const findBundleOwned = (db: Executor, userId: number) => bundles(db).where('memberships.user_id', '=', userId).executeTakeFirst();

/** A membership that is a bundle (its contact's own, at a level with a bundle size), by its id. */
export const findBundleById = (db: Executor, membershipId: number) => bundles(db).where('memberships.id', '=', membershipId).executeTakeFirst();

/** The people a bundle covers now, in the order they were added. */
export const listCovered = (db: Executor, bundleId: number) =>
  db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.id', 'memberships.user_id', 'users.name', 'users.email'])
    .where('memberships.bundle_id', '=', bundleId)
    .where('memberships.status', '=', 'active')
    .orderBy('memberships.created_at')
    .orderBy('memberships.id')
    .execute();

export async function countCovered(db: Executor, bundleId: number) {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('bundle_id', '=', bundleId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A membership the bundle covers now, by its id. */
export const findCovered = (db: Executor, bundleId: number, membershipId: number) =>
  db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.id', 'memberships.user_id', 'users.name', 'users.email'])
    .where('memberships.id', '=', membershipId)
    .where('memberships.bundle_id', '=', bundleId)
    .where('memberships.status', '=', 'active')
    .executeTakeFirst();

/** Any membership of a user (one each), to tell own memberships from covered ones. */
export const findMembershipOf = (db: Executor, userId: number) =>
  db.selectFrom('memberships').select(['id', 'status', 'bundle_id']).where('user_id', '=', userId).executeTakeFirst();

/** Whose bundle covers a user now: the contact's name and organization (and membership), or undefined. */
export const findCoveringContact = (db: Executor, userId: number) =>
  db
    .selectFrom('memberships as covered')
    .innerJoin('memberships as owner', 'owner.id', 'covered.bundle_id')
    .innerJoin('users', 'users.id', 'owner.user_id')
    .select(['users.name', 'users.email', 'owner.organization', 'owner.id as membership_id'])
    .where('covered.user_id', '=', userId)
    .where('covered.status', '=', 'active')
    .executeTakeFirst();

/** The bundle a membership belongs (or belonged) to, whatever its status: the contact's name and membership. */
export const findBundleOfMembership = (db: Executor, membershipId: number) =>
  db
    .selectFrom('memberships as covered')
    .innerJoin('memberships as owner', 'owner.id', 'covered.bundle_id')
    .innerJoin('users', 'users.id', 'owner.user_id')
    .select(['covered.id', 'covered.status', 'users.name', 'users.email', 'owner.organization', 'owner.id as membership_id'])
    .where('covered.id', '=', membershipId)
    .executeTakeFirst();

/** How many people the agency memberships at a level cover (not counting their contacts): in all, and in the largest one. */
export async function coveredAtLevel(db: Executor, levelId: number) {
  const rows = await db
    .selectFrom('memberships as covered')
    .innerJoin('memberships as owner', 'owner.id', 'covered.bundle_id')
    .select(['owner.id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner.level_id', '=', levelId)
    .where('covered.status', '=', 'active')
    .groupBy('owner.id')
    .execute();
  const counts = rows.map((r) => Number(r.n));
  return { total: counts.reduce((a, b) => a + b, 0), largest: Math.max(0, ...counts) };
}
