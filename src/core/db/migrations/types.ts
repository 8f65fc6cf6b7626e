import type { ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../index.js';

/** The few column types that differ between SQLite and PostgreSQL, so one migration serves both. */
export function columnTypes(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    id: pg ? ('serial' as const) : ('integer' as const),
    primaryId: (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()),
    timestamp: pg ? ('timestamptz' as const) : ('text' as const),
  };
}
