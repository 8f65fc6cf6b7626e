import type { Executor } from '#core/db/index.js';

// Two-factor sign-in: the secret, the recovery codes, and the count of code attempts.

export const findTwoFactor = (db: Executor, userId: number) =>
  db.selectFrom('two_factor').select(['user_id', 'secret', 'last_step', 'enabled_at']).where('user_id', '=', userId).executeTakeFirst();

/** Which of these users have two-factor sign-in on. */
export async function withTwoFactor(db: Executor, userIds: number[]) {
  if (userIds.length === 0) return [];
  return (await db.selectFrom('two_factor').select('user_id').where('user_id', 'in', userIds).execute()).map((r) => r.user_id);
}

/** False when the user already has a row (a second request at once): never a unique-key error. */
export async function insertTwoFactor(db: Executor, row: { user_id: number; secret: string; last_step: number; enabled_at: string }) {
  const result = await db
    .insertInto('two_factor')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export const deleteTwoFactor = async (db: Executor, userId: number) => {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  const result = await db.deleteFrom('two_factor').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
};

/**
 * Accept a code's time step only when it is later than the last one accepted: true for exactly one
 * caller, so the same code cannot be used twice, even by two requests at once.
 */
export async function advanceStep(db: Executor, userId: number, step: number) {
  const result = await db
    .updateTable('two_factor')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function replaceRecoveryCodes(db: Executor, userId: number, hashes: string[], now: string) {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
    .execute();
}

/** Marks a recovery code used only if it was unused: true for exactly one caller. */
export async function useRecoveryCode(db: Executor, userId: number, hash: string, now: string) {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: number) {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
