import { sql, type SqlBool } from 'kysely';
import type { MembershipStatus } from '../tables.js';
import type { Executor } from '#core/db/index.js';

/**
 * The SQL of the admins' member screens: the filtered list (and its CSV) and the edits of a member's
 * account details. Account rows (users) are written here only for a member's name and e-mail,
 * always next to the membership they belong to.
 */

export type MemberSort = 'name' | 'renewal' | 'joined';

export interface MemberFilters {
  status: MembershipStatus | null;
  levelId: number | null;
  /** Renewal dates from `from` up to (not including) `before`: "renewal due within N days". */
  due: { from: string; before: string } | null;
  /** Words to find in the name, e-mail address or organization; '' for everyone. */
  search: string;
  /** A member field (membership/fields.ts) and the value it must have; for a checkbox, 'on' or 'off'. */
  field: { id: number; type: string; value: string } | null;
  sort: MemberSort;
  dir: 'asc' | 'desc';
}

const joined = sql<string>`coalesce(memberships.started_at, memberships.created_at)`;

/** `%`, `_` and `\` typed into the search box are searched for as themselves. */
const likePattern = (words: string) => `%${words.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(db: Executor, f: MemberFilters) {
  let q = db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id').innerJoin('membership_levels', 'membership_levels.id', 'memberships.level_id');
  if (f.status) q = q.where('memberships.status', '=', f.status);
  if (f.levelId) q = q.where('memberships.level_id', '=', f.levelId);
  if (f.due) q = q.where('memberships.expires_at', '>=', f.due.from).where('memberships.expires_at', '<', f.due.before);
  if (f.search) {
    const pattern = likePattern(f.search);
    const like = (column: 'users.name' | 'users.email' | 'memberships.organization') => sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
    q = q.where((eb) => eb.or([like('users.name'), like('users.email'), like('memberships.organization')]));
  }
  if (f.field) {
    const { id, type, value } = f.field;
    // A checkbox never ticked has no value at all: "no" is the absence of "on".
    const wanted = type === 'checkbox' ? 'on' : value.toLowerCase();
    const negate = type === 'checkbox' && value !== 'on';
    q = q.where((eb) => {
      const has = eb.exists(
        eb
          .selectFrom('member_field_values as v')
          .select('v.field_id')
          .whereRef('v.membership_id', '=', 'memberships.id')
          .where('v.field_id', '=', id)
          .where(sql<string>`lower(v.value)`, '=', wanted),
      );
      return negate ? eb.not(has) : has;
    });
  }
  return q;
}

function sorted<Q extends ReturnType<typeof filtered>>(q: Q, f: MemberFilters): Q {
  const dir = f.dir;
  let out = q;
  if (f.sort === 'name') out = out.orderBy(sql`lower(users.name)`, dir) as Q;
  else if (f.sort === 'renewal') out = out.orderBy(sql`case when memberships.expires_at is null then 1 else 0 end`).orderBy('memberships.expires_at', dir) as Q;
  else out = out.orderBy(joined, dir) as Q;
  return out.orderBy('memberships.id', dir) as Q;
}

export function searchMembers(db: Executor, f: MemberFilters, page: { limit: number; offset: number }) {
  return sorted(filtered(db, f), f)
    .select([
      'memberships.id',
      'memberships.status',
      'memberships.organization',
      'memberships.expires_at',
      joined.as('joined_at'),
      'users.name',
      'users.email',
      'membership_levels.name as level_name',
    ])
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countMembers(db: Executor, f: MemberFilters) {
  const row = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every member the filters match, with every column of the CSV file (the member fields' values come from `exportFieldValues`). */
export function exportMembers(db: Executor, f: MemberFilters) {
  return sorted(filtered(db, f), f)
    .select([
      'memberships.id',
      'users.name',
      'users.email',
      'memberships.organization',
      'memberships.job_title',
      'memberships.phone',
      'memberships.address_line1',
      'memberships.address_line2',
      'memberships.city',
      'memberships.region',
      'memberships.postal_code',
      'membership_levels.name as level_name',
      'memberships.status',
      'memberships.expires_at',
      joined.as('joined_at'),
    ])
    .execute();
}

/** The stored member field values of every member the filters match (in no particular order). */
export function exportFieldValues(db: Executor, f: MemberFilters) {
  return filtered(db, f).innerJoin('member_field_values as fv', 'fv.membership_id', 'memberships.id').select(['fv.membership_id', 'fv.field_id', 'fv.value']).execute();
}
