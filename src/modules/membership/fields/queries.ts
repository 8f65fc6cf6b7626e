import type { Insertable, Updateable } from 'kysely';
import type { MemberFieldsTable, MemberFieldVisibility } from '../tables.js';
import type { Executor } from '#core/db/index.js';

export const listFields = (db: Executor) => db.selectFrom('member_fields').selectAll().orderBy('position').orderBy('id').execute();

export const findField = (db: Executor, id: number) => db.selectFrom('member_fields').selectAll().where('id', '=', id).executeTakeFirst();

export const insertField = (db: Executor, values: Insertable<MemberFieldsTable>) => db.insertInto('member_fields').values(values).returning('id').executeTakeFirstOrThrow();

export const updateField = (db: Executor, id: number, values: Updateable<MemberFieldsTable>) => db.updateTable('member_fields').set(values).where('id', '=', id).execute();

export async function countValues(db: Executor, fieldId: number) {
  const row = await db
    .selectFrom('member_field_values')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('field_id', '=', fieldId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Replace a membership's values of the given fields: an empty value removes the stored one.
 * Called inside the caller's transaction (an application, a profile edit).
 */
export async function saveFieldValues(db: Executor, membershipId: number, values: { field_id: number; value: string }[]) {
  if (values.length === 0) return;
  await db
    .deleteFrom('member_field_values')
    .where('membership_id', '=', membershipId)
    .where(
      'field_id',
      'in',
      values.map((v) => v.field_id),
    )
    .execute();
  const kept = values.filter((v) => v.value !== '').map((v) => ({ membership_id: membershipId, field_id: v.field_id, value: v.value }));
  if (kept.length) await db.insertInto('member_field_values').values(kept).execute();
}

/** Many new values at once (a member import), a few hundred rows a statement so no database's limit on parameters is reached. */
export async function insertValues(db: Executor, rows: { membership_id: number; field_id: number; value: string }[]) {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('member_field_values')
      .values(rows.slice(i, i + 500))
      .execute();
}

/** The stored values of some memberships, with their field, in the fields' order; optionally only fields of some visibilities. */
export function valuesFor(db: Executor, membershipIds: number[], visibilities?: MemberFieldVisibility[]) {
  let query = db
    .selectFrom('member_field_values as v')
    .innerJoin('member_fields as f', 'f.id', 'v.field_id')
    .select(['v.membership_id', 'v.field_id', 'v.value', 'f.label', 'f.type'])
    .where('v.membership_id', 'in', membershipIds.length ? membershipIds : [0]);
  if (visibilities) query = query.where('f.visibility', 'in', visibilities);
  return query.orderBy('f.position').orderBy('f.id').execute();
}
