import { renewals } from './migrations/0003_renewals.js';
import { memberFields } from './migrations/0004_member_fields.js';
import { memberAdmin } from './migrations/0005_member_admin.js';
import { importPublish } from './migrations/0011_import_publish.js';
import { defineModule } from '#core/module.js';
import { MEMBERSHIP_TEMPLATES } from './templates.js';
import { membershipAccountSection } from './account-section.js';
import { adminMemberRoutes, AdminMembersService } from './backoffice/index.js';
import { bundleRoutes, BundleService } from './bundles/index.js';
import { directoryRoutes, DirectoryService } from './directory/index.js';
import { fieldRoutes, MemberFieldsService } from './fields/index.js';
import { membershipRoutes, MembershipService } from './lifecycle/index.js';
import { AutoRenewal, autoRenewalRoutes, renewalRoutes, RenewalService } from './renewals/index.js';

export type * from './events.js';
export type { MemberContact, MembershipStatus } from './tables.js';

/** What other modules and the tests use of membership: one service per sub-area. */
export interface MembershipApi {
  lifecycle: MembershipService;
  backoffice: AdminMembersService;
  fields: MemberFieldsService;
  directory: DirectoryService;
  renewals: RenewalService;
  bundles: BundleService;
  /** Automatic renewal by card: null unless card payments are set up. */
  autoRenewal: AutoRenewal | null;
}

declare module '#core/module.js' {
  interface ModuleApis {
    membership: MembershipApi;
  }
}

/** Membership levels, applications, renewals, agency bundles, member fields, the directory and the back office (see CONTEXT.md). */
export const membershipModule = defineModule({
  name: 'membership',
  migrations: {
    '0003_renewals': renewals,
    '0004_member_fields': memberFields,
    '0005_member_admin': memberAdmin,
    '0011_import_publish': importPublish,
  },
  needs: ['site', 'accounts', 'billing'],
  tables: [
    'membership_levels',
    'memberships',
    'membership_events',
    'membership_invoices',
    'renewal_invoices',
    'renewal_reminders',
    'auto_renewals',
    'member_fields',
    'member_field_values',
    'member_privacy',
    'directory_index',
    'directory_cards',
    'directory_terms',
    'directory_dirty',
    'member_import_batches',
    'member_import_rows',
  ],
  create(core, { accounts, billing }) {
    const { db, clock, state, mailer, jobs, sessions, events } = core;
    const baseUrl = core.config.baseUrl;
    const lifecycle = new MembershipService(db, clock, state, accounts, billing, mailer, jobs, sessions, events, { baseUrl });
    const fields = new MemberFieldsService(db, clock);
    return {
      lifecycle,
      backoffice: new AdminMembersService(db, clock, state, jobs, lifecycle, accounts, events),
      fields,
      directory: new DirectoryService(db, clock, accounts, fields),
      renewals: new RenewalService(db, clock, state, accounts, billing, mailer, jobs, events, { baseUrl }),
      bundles: new BundleService(db, clock, state, accounts, mailer, jobs, { baseUrl }),
      autoRenewal: billing.stripe ? new AutoRenewal(db, clock, state, billing, billing.stripe, mailer, jobs, { baseUrl }) : null,
    };
  },
  seed: ({ api }) => api.lifecycle.seedLevelsIfEmpty().then(() => undefined),
  async routes(app, { api, core, needs }) {
    await membershipRoutes(app, { membership: api.lifecycle, site: needs.site, fields: api.fields });
    await adminMemberRoutes(app, { members: api.backoffice, state: core.state, membership: api.lifecycle, bundles: api.bundles });
    await directoryRoutes(app, { directory: api.directory });
    await renewalRoutes(app, { renewals: api.renewals });
    await bundleRoutes(app, { bundles: api.bundles });
    await fieldRoutes(app, { fields: api.fields });
    await autoRenewalRoutes(app, { autoRenewal: api.autoRenewal });
  },
  templates: MEMBERSHIP_TEMPLATES,
  adminMenu: [
    { href: '/admin/members', title: 'Members', order: 30 },
    { href: '/admin/levels', title: 'Levels', order: 35 },
    { href: '/admin/fields', title: 'Member fields', order: 60 },
    { href: '/admin/renewals', title: 'Renewals', order: 70 },
  ],
  accountSection: { order: 10, render: (context, request, reply) => membershipAccountSection(context, request, reply) },
  events: ({ api }) => ({
    // A paid dues invoice starts or extends its membership; a saved card may turn automatic renewal on.
    'invoice.paid': (trx, paid) => api.lifecycle.invoicePaid(trx, paid),
    'card.saved': async (trx, saved) => {
      await api.autoRenewal?.cardSaved(trx, saved);
    },
  }),
  hooks: ({ api }) => ({ memberAccess: (user) => api.lifecycle.hasAccess(user.id) }),
});
