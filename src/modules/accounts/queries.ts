import type { Db, Executor } from '#core/db/index.js';
import type { LinkPurpose } from './tables.js';

export const findUserByEmail = (db: Executor, email: string) => db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();

export const findPerson = (db: Executor, id: number) => db.selectFrom('users').select(['id', 'name', 'email', 'email_verified_at']).where('id', '=', id).executeTakeFirst();

export const findUserById = (db: Executor, id: number) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const insertUser = (db: Executor, user: { email: string; name: string; role: 'admin' | 'member'; password_hash: string | null; now: string }) =>
  db
    .insertInto('users')
    .values({ email: user.email, name: user.name, role: user.role, password_hash: user.password_hash, created_at: user.now, updated_at: user.now })
    .returning('id')
    .executeTakeFirstOrThrow();

export const updateUser = (
  db: Executor,
  id: number,
  values: { name?: string | undefined; role?: 'admin' | 'member'; password_hash?: string; email_verified_at?: string; updated_at: string },
) => db.updateTable('users').set(values).where('id', '=', id).execute();

/** Which of these (lower-case) addresses already have an account. */
export async function existingEmails(db: Executor, emails: string[]) {
  if (emails.length === 0) return [];
  return (await db.selectFrom('users').select('email').where('email', 'in', emails).execute()).map((r) => r.email);
}

/** Member accounts without a password yet, many in one statement (a member import). */
export const insertMemberAccounts = (db: Executor, users: { email: string; name: string }[], now: string) =>
  db
    .insertInto('users')
    .values(users.map((u) => ({ email: u.email, name: u.name, role: 'member' as const, password_hash: null, email_verified_at: null, created_at: now, updated_at: now })))
    .returning(['id', 'email'])
    .execute();

export const deleteMemberAccounts = (db: Executor, emails: string[]) => db.deleteFrom('users').where('email', 'in', emails).where('role', '=', 'member').execute();

export const updateIdentity = (db: Executor, id: number, values: { name: string; email: string; email_verified_at?: null; updated_at: string }) =>
  db.updateTable('users').set(values).where('id', '=', id).execute();

export async function countAdmins(db: Executor) {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const listUsers = (db: Db, limit: number, offset: number) =>
  db.selectFrom('users').select(['id', 'email', 'name', 'role', 'created_at', 'password_hash']).orderBy('role').orderBy('name').orderBy('id').limit(limit).offset(offset).execute();

export async function countUsers(db: Db) {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// Single-use links (password reset, account set-up)

export const insertToken = (db: Executor, t: { token_hash: string; user_id: number; purpose: LinkPurpose; created_at: string; expires_at: string }) =>
  db.insertInto('auth_tokens').values(t).execute();

export const findLiveToken = (db: Executor, tokenHash: string, purpose: LinkPurpose, now: string) =>
  db
    .selectFrom('auth_tokens')
    .innerJoin('users', 'users.id', 'auth_tokens.user_id')
    .select(['auth_tokens.id', 'auth_tokens.user_id', 'users.email', 'users.name', 'users.role'])
    .where('auth_tokens.token_hash', '=', tokenHash)
    .where('auth_tokens.purpose', '=', purpose)
    .where('auth_tokens.used_at', 'is', null)
    .where('auth_tokens.expires_at', '>', now)
    .executeTakeFirst();

/** Marks the token used only if it still was unused: true for exactly one caller. */
export async function consumeToken(db: Executor, id: number, now: string) {
  const result = await db.updateTable('auth_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const expireTokensFor = (db: Executor, userId: number, purpose: LinkPurpose, now: string) =>
  db.updateTable('auth_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();

// Log-in attempts, for the rate limit (the table keeps its first name, login_failures: see decision 0019)

/**
 * Counts an attempt for each key before anything is checked, committed at once (no transaction):
 * the caller then counts what is in the window, so every attempt counts the ones committed before it.
 */
export const recordAttempts = (db: Executor, keys: string[], now: string) =>
  db
    .insertInto('login_failures')
    .values(keys.map((key) => ({ key, created_at: now })))
    .returning(['id', 'key'])
    .execute();

/** The most recent attempts for a key since a moment, newest first, at most `limit`. */
export const recentAttempts = (db: Executor, key: string, since: string, limit: number) =>
  db
    .selectFrom('login_failures')
    .select(['id', 'created_at'])
    .where('key', '=', key)
    .where('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();

/** Takes back attempts that must not count (refused while locked, or a successful log-in's). */
export const withdrawAttempts = (db: Executor, ids: number[]) => (ids.length ? db.deleteFrom('login_failures').where('id', 'in', ids).execute() : Promise.resolve([]));

export const clearFailures = (db: Executor, key: string) => db.deleteFrom('login_failures').where('key', '=', key).execute();

export async function purgeOld(db: Db, before: string) {
  await db.deleteFrom('login_failures').where('created_at', '<', before).execute();
  await db.deleteFrom('auth_tokens').where('expires_at', '<', before).execute();
}
