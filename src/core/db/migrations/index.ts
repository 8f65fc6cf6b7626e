import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../index.js';
import { foundation } from './0001_foundation.js';
import { membership } from './0002_membership.js';
import { stripe } from './0006_stripe.js';
import { mailQuotas } from './0012_mail_quotas.js';
import { auditLog } from './0013_audit_log.js';
import { domainEvents } from './0014_domain_events.js';

/** Migrations by name; each is made for the database's dialect. */
export type Migrations = Record<string, (dialect: Dialect) => Migration>;

/**
 * Core's migrations: its own tables, and the ones released before modules had migrations of their
 * own, and later ones whose tables span several modules (0001, 0002, 0006, 0014: core's outbox,
 * membership's invoice links, billing's invoices without them). A module's own migrations live in its
 * folder and are listed in its manifest (decision 0029).
 */
const CORE_MIGRATIONS: Migrations = {
  '0001_foundation': foundation,
  '0002_membership': membership,
  '0006_stripe': stripe,
  '0012_mail_quotas': mailQuotas,
  '0013_audit_log': auditLog,
  '0014_domain_events': domainEvents,
};

const registered = new Map<string, { owner: string; make: (dialect: Dialect) => Migration }>(
  Object.entries(CORE_MIGRATIONS).map(([name, make]) => [name, { owner: 'core', make }]),
);

/**
 * Add a module's migrations to the one list every database runs. Names are global and run in the
 * order of their names ("0014_…" after "0013_…", whichever module holds them); a name never
 * changes once released. Registering the same module's list again changes nothing; a name another
 * owner already has is a mistake, refused at start.
 */
export function registerMigrations(owner: string, migrations: Migrations = {}) {
  for (const [name, make] of Object.entries(migrations)) {
    if (!/^\d{4}_[a-z0-9_]+$/.test(name)) throw new Error(`Migration "${name}" of ${owner}: names are a 4-digit number, "_" and lower-case words.`);
    const known = registered.get(name);
    if (known && known.owner !== owner) throw new Error(`Migration "${name}" of ${owner}: ${known.owner} has a migration of that name.`);
    registered.set(name, { owner, make });
  }
}

/** Every migration registered so far, with its owner, in the order they run. */
export function migrationOwners(): { name: string; owner: string }[] {
  return [...registered].map(([name, { owner }]) => ({ name, owner })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Migrations are code: core's and every registered module's, run in the order of their names. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(migrationOwners().map(({ name }) => [name, registered.get(name)!.make(dialect)]));
    },
  };
}
