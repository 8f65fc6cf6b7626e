import type { Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';

/**
 * Member imports publish their staged rows all or none (docs/decisions/0020-job-leases.md, and
 * 0013): a staged row is marked `published` in the transaction that creates its member, so an
 * import that fails part-way can find and remove exactly what it added, and one resumed after a
 * crash goes on from the first row not yet published.
 */
export function importPublish(_dialect: Dialect) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('member_import_rows')
        .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The next rows to publish (or to take back) without reading past the ones already done.
      await db.schema.createIndex('member_import_rows_next').on('member_import_rows').columns(['batch_id', 'published', 'line']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('member_import_rows_next').execute();
      await db.schema.alterTable('member_import_rows').dropColumn('published').execute();
    },
  };
}
