import type { Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';
import { columnTypes } from '#core/db/migrations/types.js';

/**
 * Member imports: an uploaded CSV file is checked into a batch (its errors, or its rows waiting
 * for the admin to confirm); a job then imports the rows in chunks, deleting each row as it is
 * imported, so no copy of the file's personal data outlives the import.
 */
export function memberAdmin(dialect: Dialect) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('member_import_batches')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('errors', 'text', (c) => c.notNull())
        .addColumn('ignored_columns', 'text', (c) => c.notNull())
        .addColumn('failure', 'text')
        .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('confirmed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addColumn('confirmed_at', t.timestamp)
        .addColumn('finished_at', t.timestamp)
        .execute();

      await db.schema
        .createTable('member_import_rows')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('batch_id', 'integer', (c) => c.notNull().references('member_import_batches.id').onDelete('cascade'))
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('level_id', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('member_import_rows_batch').on('member_import_rows').columns(['batch_id', 'line']).execute();
      await db.schema.createIndex('member_import_rows_email').on('member_import_rows').column('email').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('member_import_rows').execute();
      await db.schema.dropTable('member_import_batches').execute();
    },
  };
}
