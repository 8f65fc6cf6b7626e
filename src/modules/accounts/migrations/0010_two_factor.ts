import type { Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';
import { columnTypes } from '#core/db/migrations/types.js';

/**
 * Two-factor sign-in (accounts module): a user's TOTP secret, encrypted with a key from
 * DATA_DIR/secrets.json, the last time step a code was accepted for (so a code works once), and
 * their single-use recovery codes, stored hashed. The half-signed-in state between the password
 * and the code is an `auth_tokens` row with the purpose `sign_in`.
 */
export function twoFactor(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('two_factor')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('last_step', 'bigint')
        .addColumn('enabled_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('used_at', t.timestamp)
        .execute();
      await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('recovery_codes').execute();
      await db.schema.dropTable('two_factor').execute();
    },
  };
}
