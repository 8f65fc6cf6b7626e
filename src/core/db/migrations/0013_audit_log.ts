import type { Kysely } from 'kysely';
import type { Dialect } from '../index.js';
import { columnTypes } from './types.js';

/**
 * The audit log of admin actions (decision 0023). Deliberately no foreign keys: an entry copies
 * the actor's name and address and the subject's label, so it outlives the accounts, members,
 * invoices or pages it speaks of and stays readable as it was written.
 */
export function auditLog(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('actor_email', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('subject_type', 'text')
        .addColumn('subject_id', 'integer')
        .addColumn('subject_label', 'text', (c) => c.notNull())
        .addColumn('person_user_id', 'integer')
        .addColumn('person_name', 'text')
        .addColumn('changes', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_created').on('audit_log').columns(['created_at', 'id']).execute();
      await db.schema.createIndex('audit_log_person').on('audit_log').columns(['person_user_id', 'created_at']).execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_user_id', 'created_at']).execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('audit_log').execute();
    },
  };
}
