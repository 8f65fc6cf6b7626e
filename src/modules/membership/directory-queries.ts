import type { Executor } from '../../core/jobs/index.js';

// Each statement stays well under both dialects' limits on bound values.
const CHUNK = 1000;
const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));

// The search index

export const anyDirty = (db: Executor) => db.selectFrom('directory_dirty').select('membership_id').limit(1).executeTakeFirst();

/** Take up to `limit` memberships off the to-index list (inside the transaction that re-indexes them). */
export async function takeDirty(trx: Executor, limit: number): Promise<number[]> {
  const rows = await trx
    .deleteFrom('directory_dirty')
    .where('membership_id', 'in', trx.selectFrom('directory_dirty').select('membership_id').limit(limit))
    .returning('membership_id')
    .execute();
  return rows.map((r) => r.membership_id);
}

export const dropDirty = (trx: Executor, ids: number[]) => trx.deleteFrom('directory_dirty').where('membership_id', 'in', ids).execute();

/** What the index is made of, for some memberships (member-field answers aside). */
export const indexSources = (db: Executor, ids: number[]) =>
  db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('membership_levels as l', 'l.id', 'm.level_id')
    .leftJoin('member_privacy as p', 'p.membership_id', 'm.id')
    .select([
      'm.id',
      'm.status',
      'm.expires_at',
      'u.name',
      'u.email',
      'm.organization',
      'm.job_title',
      'm.phone',
      'm.address_line1',
      'm.address_line2',
      'm.city',
      'm.region',
      'm.postal_code',
      'l.grace_days',
      'p.listed',
      'p.show_email',
      'p.show_phone',
      'p.show_address',
    ])
    .where('m.id', 'in', ids)
    .execute();

export async function replaceIndex(
  trx: Executor,
  ids: number[],
  entries: { membership_id: number; sort_name: string; visible_until: string | null; card: string }[],
  terms: { term: string; membership_id: number }[],
) {
  for (const table of ['directory_terms', 'directory_cards', 'directory_index'] as const) await trx.deleteFrom(table).where('membership_id', 'in', ids).execute();
  for (const part of chunks(entries)) {
    await trx
      .insertInto('directory_index')
      .values(part.map(({ membership_id, sort_name, visible_until }) => ({ membership_id, sort_name, visible_until })))
      .execute();
    await trx
      .insertInto('directory_cards')
      .values(part.map(({ membership_id, card }) => ({ membership_id, card })))
      .execute();
  }
  for (const part of chunks(terms)) await trx.insertInto('directory_terms').values(part).execute();
}

// Searching

export interface Prefix {
  from: string;
  /** The first string after every string that starts with `from`. */
  to: string;
}

/** Listed members visible at `now` whose words start with every one of the prefixes. */
function matching(db: Executor, prefixes: Prefix[], now: string) {
  let query = db.selectFrom('directory_index as e').where('e.visible_until', '>', now);
  for (const p of prefixes) {
    query = query.where(
      'e.membership_id',
      'in',
      db.selectFrom('directory_terms as t').select('t.membership_id').where('t.term', '>=', p.from).where('t.term', '<', p.to),
    );
  }
  return query;
}

export async function countMatching(db: Executor, prefixes: Prefix[], now: string) {
  const row = await matching(db, prefixes, now)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many index words start with the prefix: an upper bound of the members it finds, from the index alone. */
export async function countWords(db: Executor, p: Prefix) {
  const row = await db
    .selectFrom('directory_terms')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('term', '>=', p.from)
    .where('term', '<', p.to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Visible members having, for each prefix, a word that starts with it; checked member by member. */
function checkedOneByOne(db: Executor, prefixes: Prefix[], now: string) {
  let query = db.selectFrom('directory_index as e').where('e.visible_until', '>', now);
  for (const p of prefixes) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('directory_terms as t')
          .select('t.membership_id')
          .whereRef('t.membership_id', '=', 'e.membership_id')
          .where('t.term', '>=', p.from)
          .where('t.term', '<', p.to),
      ),
    );
  }
  return query;
}

type Matches = ReturnType<typeof matching>;

/**
 * The cards of one page of members, by name. The page is chosen on the narrow index alone; only
 * its rows' cards are read.
 */
function cardsOfPage(db: Executor, members: Matches, limit: number, offset: number) {
  const page = members.select(['e.membership_id', 'e.sort_name']).orderBy('e.sort_name').orderBy('e.membership_id').limit(limit).offset(offset);
  return db
    .selectFrom(page.as('s'))
    .innerJoin('directory_cards as c', 'c.membership_id', 's.membership_id')
    .select(['s.membership_id', 'c.card'])
    .orderBy('s.sort_name')
    .orderBy('s.membership_id')
    .execute();
}

export const pageMatching = (db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) => cardsOfPage(db, matching(db, prefixes, now), limit, offset);

/**
 * For prefixes so common (a letter or two) that gathering and sorting every match would cost more:
 * the page is found by walking the index in name order, checking each member's words.
 */
export const pageByName = (db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) =>
  cardsOfPage(db, checkedOneByOne(db, prefixes, now), limit, offset);

/**
 * A page with the number of matches on each row (one query instead of two), for searches whose
 * matches are few enough to gather; a page past the end has no rows, hence no number.
 */
export function pageMatchingCounted(db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) {
  const page = matching(db, prefixes, now)
    .select((eb) => ['e.membership_id', 'e.sort_name', eb.fn.countAll<number>().over().as('total')])
    .orderBy('e.sort_name')
    .orderBy('e.membership_id')
    .limit(limit)
    .offset(offset);
  return db
    .selectFrom(page.as('s'))
    .innerJoin('directory_cards as c', 'c.membership_id', 's.membership_id')
    .select(['s.membership_id', 's.total', 'c.card'])
    .orderBy('s.sort_name')
    .orderBy('s.membership_id')
    .execute();
}

// Profiles

export const profileOf = (db: Executor, userId: number) =>
  db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('member_privacy as p', 'p.membership_id', 'm.id')
    .select([
      'm.id',
      'm.status',
      'u.name',
      'u.email',
      'm.organization',
      'm.job_title',
      'm.phone',
      'm.address_line1',
      'm.address_line2',
      'm.city',
      'm.region',
      'm.postal_code',
      'p.listed',
      'p.show_email',
      'p.show_phone',
      'p.show_address',
    ])
    .where('m.user_id', '=', userId)
    .executeTakeFirst();

export const savePrivacy = (trx: Executor, row: { membership_id: number; listed: number; show_email: number; show_phone: number; show_address: number; updated_at: string }) =>
  trx
    .insertInto('member_privacy')
    .values(row)
    .onConflict((oc) =>
      oc.column('membership_id').doUpdateSet({ listed: row.listed, show_email: row.show_email, show_phone: row.show_phone, show_address: row.show_address, updated_at: row.updated_at }),
    )
    .execute();
