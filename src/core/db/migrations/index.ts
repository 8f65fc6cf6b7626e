import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../index.js';
import { foundation } from './0001_foundation.js';
import { membership } from './0002_membership.js';
import { renewals } from './0003_renewals.js';
import { memberFields } from './0004_member_fields.js';
import { memberAdmin } from './0005_member_admin.js';
import { stripe } from './0006_stripe.js';
import { mailTemplates } from './0008_mail_templates.js';
import { twoFactor } from './0010_two_factor.js';
import { importPublish } from './0011_import_publish.js';
import { mailQuotas } from './0012_mail_quotas.js';
import { auditLog } from './0013_audit_log.js';
import { domainEvents } from './0014_domain_events.js';

/** Migrations are code, listed here in order; names never change once released. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_foundation': foundation(dialect),
        '0002_membership': membership(dialect),
        '0003_renewals': renewals(dialect),
        '0004_member_fields': memberFields(dialect),
        '0005_member_admin': memberAdmin(dialect),
        '0006_stripe': stripe(dialect),
        '0008_mail_templates': mailTemplates(dialect),
        '0010_two_factor': twoFactor(dialect),
        '0011_import_publish': importPublish(dialect),
        '0012_mail_quotas': mailQuotas(dialect),
        '0013_audit_log': auditLog(dialect),
        '0014_domain_events': domainEvents(dialect),
      };
    },
  };
}
