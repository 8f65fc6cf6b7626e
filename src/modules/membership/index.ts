import { defineModule } from '#core/module.js';
import { MEMBERSHIP_TEMPLATES } from './templates.js';
import { membershipAccountSection } from './account-section.js';
import { AdminMembersService } from './backoffice/service.js';
import { adminMemberRoutes } from './backoffice/routes.js';
import { AutoRenewal } from './renewals/auto-renewal.js';
import { BundleService } from './bundles/service.js';
import { bundleRoutes } from './bundles/routes.js';
import { DirectoryService } from './directory/service.js';
import { directoryRoutes } from './directory/routes.js';
import { MemberFieldsService } from './fields/service.js';
import { RenewalService } from './renewals/service.js';
import { renewalRoutes } from './renewals/routes.js';
import { membershipRoutes } from './lifecycle/routes.js';
import { MembershipService } from './lifecycle/service.js';
import { autoRenewalRoutes } from './renewals/auto-renewal-routes.js';
import { fieldRoutes } from './fields/routes.js';

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
  needs: ['site', 'accounts', 'billing'],
  tables: [
    'membership_levels',
    'memberships',
    'membership_events',
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
    const { db, clock, state, mailer, jobs, sessions } = core;
    const baseUrl = core.config.baseUrl;
    const lifecycle = new MembershipService(db, clock, state, accounts, billing, mailer, jobs, sessions, { baseUrl });
    const fields = new MemberFieldsService(db, clock);
    return {
      lifecycle,
      backoffice: new AdminMembersService(db, clock, state, jobs, lifecycle, accounts),
      fields,
      directory: new DirectoryService(db, clock, accounts, fields),
      renewals: new RenewalService(db, clock, state, accounts, billing, mailer, jobs, { baseUrl }),
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
  hooks: ({ api }) => ({ memberAccess: (user) => api.lifecycle.hasAccess(user.id) }),
});
