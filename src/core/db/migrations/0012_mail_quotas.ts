import type { Kysely } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';

/**
 * How many e-mails the site has sent on a stranger's word (an application, an agency contact
 * adding someone) per recipient address and per sender (a network address, an account), in a
 * window that starts with the first one. One row per key, counted by a conditional update, so
 * the limit holds across processes (docs/decisions/0025-email-on-a-strangers-word.md).
 */
export function mailQuotas(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mail_quotas')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', t.timestamp, (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mail_quotas_window_start').on('mail_quotas').column('window_start').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('mail_quotas').execute();
    },
  };
}
