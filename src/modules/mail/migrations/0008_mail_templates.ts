import type { Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';
import { columnTypes } from '#core/db/migrations/types.js';

/**
 * Admins' own wording of the automated e-mails (mail module). A row exists only for a template an
 * admin edited; the default text lives in code (modules/mail/templates.ts), so new defaults reach
 * every site that has not changed them.
 */
export function mailTemplates(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mail_templates')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('mail_templates').execute();
    },
  };
}
