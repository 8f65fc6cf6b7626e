import type { MemberImportStatus } from '../tables.js';
import type { Executor } from '#core/db/index.js';

/**
 * The SQL of member imports: the checked file (`member_import_batches`), its staged rows
 * (`member_import_rows`), and the accounts, memberships and history the import writes. Account rows
 * (users) are never written here: accounts creates and deletes them (its index.ts).
 */

export type ImportBatchRow = Awaited<ReturnType<typeof findImportBatch>>;

export const insertImportBatch = (
  db: Executor,
  b: { status: MemberImportStatus; total: number; error_count: number; errors: string; ignored_columns: string; created_by: number; now: string },
) =>
  db
    .insertInto('member_import_batches')
    .values({
      status: b.status,
      total: b.total,
      done: 0,
      error_count: b.error_count,
      errors: b.errors,
      ignored_columns: b.ignored_columns,
      failure: null,
      created_by: b.created_by,
      confirmed_by: null,
      created_at: b.now,
      updated_at: b.now,
      confirmed_at: null,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

export const findImportBatch = (db: Executor, id: number) => db.selectFrom('member_import_batches').selectAll().where('id', '=', id).executeTakeFirst();

/** Change a batch only if it is still in one of the statuses `from`; true when it was. */
export async function moveImportBatch(
  db: Executor,
  id: number,
  from: MemberImportStatus[],
  values: Partial<{
    status: MemberImportStatus;
    done: number;
    error_count: number;
    errors: string;
    failure: string | null;
    confirmed_by: number;
    confirmed_at: string;
    finished_at: string | null;
  }> & {
    updated_at: string;
  },
) {
  const result = await db.updateTable('member_import_batches').set(values).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const addImported = (db: Executor, id: number, count: number, now: string) =>
  db
    .updateTable('member_import_batches')
    .set((eb) => ({ done: eb('done', '+', count), updated_at: now }))
    .where('id', '=', id)
    .execute();

export const insertImportRows = (db: Executor, rows: { batch_id: number; line: number; email: string; level_id: number; data: string }[]) =>
  db.insertInto('member_import_rows').values(rows).execute();

/** The next staged rows of a batch whose members are not created yet (or published ones, to take back). */
export const nextImportRows = (db: Executor, batchId: number, limit: number, published: 0 | 1 = 0) =>
  db
    .selectFrom('member_import_rows')
    .select(['id', 'line', 'email', 'data'])
    .where('batch_id', '=', batchId)
    .where('published', '=', published)
    .orderBy('line')
    .orderBy('id')
    .limit(limit)
    .execute();

export const markImportRows = (db: Executor, ids: number[], published: 0 | 1) => db.updateTable('member_import_rows').set({ published }).where('id', 'in', ids).execute();

export const deleteImportRows = (db: Executor, ids: number[]) => db.deleteFrom('member_import_rows').where('id', 'in', ids).execute();

export const deleteAllImportRows = (db: Executor, batchId: number) => db.deleteFrom('member_import_rows').where('batch_id', '=', batchId).execute();

export async function countPublishedRows(db: Executor, batchId: number) {
  const row = await db
    .selectFrom('member_import_rows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('batch_id', '=', batchId)
    .where('published', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const setImportProgress = (db: Executor, id: number, done: number, now: string) =>
  db.updateTable('member_import_batches').set({ done, updated_at: now }).where('id', '=', id).execute();

/** Rows of a batch whose e-mail address now has an account (one given since the preview, say). */
export const importRowsWithAccounts = (db: Executor, batchId: number, rowIds?: number[]) => {
  let q = db
    .selectFrom('member_import_rows')
    .innerJoin('users', 'users.email', 'member_import_rows.email')
    .select(['member_import_rows.id', 'member_import_rows.line', 'member_import_rows.email'])
    .where('member_import_rows.batch_id', '=', batchId);
  if (rowIds) q = q.where('member_import_rows.id', 'in', rowIds);
  return q.orderBy('member_import_rows.line').execute();
};

/** Rows of a batch whose level was archived since the preview. */
export const importRowsWithArchivedLevel = (db: Executor, batchId: number) =>
  db
    .selectFrom('member_import_rows')
    .innerJoin('membership_levels', 'membership_levels.id', 'member_import_rows.level_id')
    .select(['member_import_rows.line', 'membership_levels.name'])
    .where('member_import_rows.batch_id', '=', batchId)
    .where('membership_levels.archived_at', 'is not', null)
    .orderBy('member_import_rows.line')
    .execute();

export const insertEvents = (db: Executor, events: { membership_id: number; kind: string; detail: string; actor_user_id: number | null; created_at: string }[]) =>
  events.length ? db.insertInto('membership_events').values(events).execute() : Promise.resolve([]);

/** Previews nobody confirmed and imports that failed, with their rows (personal data), after a while. */
export const deleteAbandonedImports = (db: Executor, before: string) =>
  db.deleteFrom('member_import_batches').where('status', 'in', ['checking', 'invalid', 'ready', 'cancelled', 'failed']).where('updated_at', '<', before).execute();

/** How many rows of a batch go to each level, for the summary before confirming. */
export const importRowsByLevel = (db: Executor, batchId: number) =>
  db
    .selectFrom('member_import_rows')
    .innerJoin('membership_levels', 'membership_levels.id', 'member_import_rows.level_id')
    .select((eb) => ['membership_levels.name', eb.fn.countAll<number>().as('n')])
    .where('member_import_rows.batch_id', '=', batchId)
    .groupBy(['membership_levels.id', 'membership_levels.name', 'membership_levels.position'])
    .orderBy('membership_levels.position')
    .execute();
