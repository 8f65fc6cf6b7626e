import { prepared } from '#core/db/prepared.js';
import { randomToken } from '#core/secrets.js';
import type { Executor } from '#core/db/index.js';
import { appValueKey, setAppValue } from '#core/settings.js';

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

/** A member's profile as the directory reads it: membership, account name and e-mail, privacy choices (`m`, `u`, `p`). */
const PROFILE_COLUMNS = [
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
] as const;

/** What the index is made of, for some memberships (member-field answers aside). */
export const indexSources = (db: Executor, ids: number[]) =>
  db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('membership_levels as l', 'l.id', 'm.level_id')
    .leftJoin('member_privacy as p', 'p.membership_id', 'm.id')
    .select([...PROFILE_COLUMNS, 'm.expires_at', 'l.grace_days'])
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

// Searching (docs/decisions/0018): the index is read whole into memory, again whenever its version changes.

const VERSION = 'directory_version';
const VERSION_KEY = appValueKey(VERSION);

const versionQuery = prepared((db) => db.selectFrom('settings').select('value').where('key', '=', VERSION_KEY));

/** The index's version: a new value in every transaction that re-indexes someone. */
export const indexVersion = async (db: Executor) => (await versionQuery(db, {}))[0]?.value ?? '';

const stateQuery = prepared((db) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom('settings').select('value').where('key', '=', VERSION_KEY).as('version'),
    eb.selectFrom('directory_dirty').select('membership_id').limit(1).as('dirty'),
  ]),
);

/** Before a search, in one statement: the index's version, and whether any membership waits to be re-indexed. */
export async function indexState(db: Executor): Promise<{ version: string; dirty: boolean }> {
  const [row] = await stateQuery(db, {});
  return { version: row?.version ?? '', dirty: row?.dirty !== null && row?.dirty !== undefined };
}

export const bumpIndexVersion = (trx: Executor) => setAppValue(trx, VERSION, randomToken());

/** Everyone the directory may list (visible until some time), with their cards, for the index in memory. */
export const listable = (db: Executor) =>
  db
    .selectFrom('directory_index as e')
    .innerJoin('directory_cards as c', 'c.membership_id', 'e.membership_id')
    .select(['e.membership_id', 'e.sort_name', 'e.visible_until', 'c.card'])
    .where('e.visible_until', 'is not', null)
    .orderBy('e.sort_name')
    .orderBy('e.membership_id')
    .execute();

/** Every index word, in the order of the primary key (so the database does not sort them). */
export const allTerms = (db: Executor) => db.selectFrom('directory_terms').select(['term', 'membership_id']).orderBy('term').orderBy('membership_id').execute();

// Profiles

export const profileOf = (db: Executor, userId: number) =>
  db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('member_privacy as p', 'p.membership_id', 'm.id')
    .select(PROFILE_COLUMNS)
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
