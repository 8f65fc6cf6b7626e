import type { Kysely } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * Member imports publish their staged rows all or none (docs/decisions/0020-job-leases.md, and
 * 0013): a staged row is marked `published` in the transaction that creates its member, so an
 * import that fails part-way can find and remove exactly what it added, and one resumed after a
 * crash goes on from the first row not yet published.
 */
export function importPublish(_dialect: Dialect) {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('member_import_rows').addColumn('published', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('member_import_rows').dropColumn('published').execute();
    },
  };
}
