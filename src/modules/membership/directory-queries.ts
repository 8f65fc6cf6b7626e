import { prepared } from '../../core/db/prepared.js';
import type { Executor } from '../../core/jobs/index.js';

// Each statement stays well under both dialects' limits on bound values.
const CHUNK = 1000;
const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));

// The search index

const firstDirty = prepared((db) => db.selectFrom('directory_dirty').select('membership_id').limit(1));
export const anyDirty = async (db: Executor) => (await firstDirty(db, {})).length > 0;

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

/**
 * The searches below run on every directory request, so each is compiled once per number of words
 * (`prepared`): its values are `now`, `from0`/`to0`… for each word's prefix range, `limit` and `offset`.
 */
type SearchValues = Record<string, string | number>;

function searchValues(prefixes: Prefix[], now: string, extra: Record<string, number> = {}): SearchValues {
  const values: SearchValues = { now, ...extra };
  prefixes.forEach((p, i) => {
    values[`from${i}`] = p.from;
    values[`to${i}`] = p.to;
  });
  return values;
}

/** Listed members visible at `now` whose words start with every one of the `words` prefixes. */
function matching(db: Executor, v: SearchValues, words: number) {
  let query = db.selectFrom('directory_index as e').where('e.visible_until', '>', v.now as string);
  for (let i = 0; i < words; i++) {
    query = query.where(
      'e.membership_id',
      'in',
      db
        .selectFrom('directory_terms as t')
        .select('t.membership_id')
        .where('t.term', '>=', v[`from${i}`] as string)
        .where('t.term', '<', v[`to${i}`] as string),
    );
  }
  return query;
}

const countMatchingQuery = prepared((db, v: SearchValues, words) => matching(db, v, words).select((eb) => eb.fn.countAll<number>().as('n')));

export async function countMatching(db: Executor, prefixes: Prefix[], now: string) {
  const [row] = await countMatchingQuery(db, searchValues(prefixes, now), prefixes.length);
  return Number(row!.n);
}

const countWordsQuery = prepared((db, v: { from: string; to: string }) =>
  db
    .selectFrom('directory_terms')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('term', '>=', v.from)
    .where('term', '<', v.to),
);

/** How many index words start with the prefix: an upper bound of the members it finds, from the index alone. */
export async function countWords(db: Executor, p: Prefix) {
  const [row] = await countWordsQuery(db, { from: p.from, to: p.to });
  return Number(row!.n);
}

/** Visible members having, for each prefix, a word that starts with it; checked member by member. */
function checkedOneByOne(db: Executor, v: SearchValues, words: number) {
  let query = db.selectFrom('directory_index as e').where('e.visible_until', '>', v.now as string);
  for (let i = 0; i < words; i++) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('directory_terms as t')
          .select('t.membership_id')
          .whereRef('t.membership_id', '=', 'e.membership_id')
          .where('t.term', '>=', v[`from${i}`] as string)
          .where('t.term', '<', v[`to${i}`] as string),
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
function cardsOfPage(db: Executor, members: Matches, v: SearchValues) {
  const page = members
    .select(['e.membership_id', 'e.sort_name'])
    .orderBy('e.sort_name')
    .orderBy('e.membership_id')
    .limit(v.limit as number)
    .offset(v.offset as number);
  return db
    .selectFrom(page.as('s'))
    .innerJoin('directory_cards as c', 'c.membership_id', 's.membership_id')
    .select(['s.membership_id', 'c.card'])
    .orderBy('s.sort_name')
    .orderBy('s.membership_id');
}

const pageMatchingQuery = prepared((db, v: SearchValues, words) => cardsOfPage(db, matching(db, v, words), v));
const pageByNameQuery = prepared((db, v: SearchValues, words) => cardsOfPage(db, checkedOneByOne(db, v, words), v));

export const pageMatching = (db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) =>
  pageMatchingQuery(db, searchValues(prefixes, now, { limit, offset }), prefixes.length);

/**
 * For prefixes so common (a letter or two) that gathering and sorting every match would cost more:
 * the page is found by walking the index in name order, checking each member's words.
 */
export const pageByName = (db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) =>
  pageByNameQuery(db, searchValues(prefixes, now, { limit, offset }), prefixes.length);

const pageMatchingCountedQuery = prepared((db, v: SearchValues, words) => {
  const page = matching(db, v, words)
    .select((eb) => ['e.membership_id', 'e.sort_name', eb.fn.countAll<number>().over().as('total')])
    .orderBy('e.sort_name')
    .orderBy('e.membership_id')
    .limit(v.limit as number)
    .offset(v.offset as number);
  return db
    .selectFrom(page.as('s'))
    .innerJoin('directory_cards as c', 'c.membership_id', 's.membership_id')
    .select(['s.membership_id', 's.total', 'c.card'])
    .orderBy('s.sort_name')
    .orderBy('s.membership_id');
});

/**
 * A page with the number of matches on each row (one query instead of two), for searches whose
 * matches are few enough to gather; a page past the end has no rows, hence no number.
 */
export const pageMatchingCounted = (db: Executor, prefixes: Prefix[], now: string, limit: number, offset: number) =>
  pageMatchingCountedQuery(db, searchValues(prefixes, now, { limit, offset }), prefixes.length);

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

/**
 * Update, else insert; not an upsert: on SQLite an upsert's DO UPDATE overrides the directory
 * triggers' OR IGNORE, so a membership already waiting to be re-indexed made it fail.
 */
export async function savePrivacy(trx: Executor, row: { membership_id: number; listed: number; show_email: number; show_phone: number; show_address: number; updated_at: string }) {
  const { membership_id, ...choices } = row;
  const updated = await trx.updateTable('member_privacy').set(choices).where('membership_id', '=', membership_id).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('member_privacy').values(row).execute();
}
