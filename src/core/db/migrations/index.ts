import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../index.js';
import { foundation } from './0001_foundation.js';
import { membership } from './0002_membership.js';

/** Migrations are code, listed here in order; names never change once released. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_foundation': foundation(dialect),
        '0002_membership': membership(dialect),
      };
    },
  };
}
