import { AuditLog } from '#core/audit/queries.js';
import { defineModule } from '#core/module.js';
import type { SiteSettings } from '#core/settings.js';
import { auditRoutes } from './audit-routes.js';
import { adminRoutes } from './routes.js';
import { AdminService } from './service.js';

export type { AdminService } from './service.js';

declare module '#core/module.js' {
  interface ModuleApis {
    admin: AdminService;
  }
}

const logoUrl = (s: SiteSettings) => (s.logo ? `/uploads/${s.logo}` : null);

/** The back office's own pages: the overview, the association's settings, uploads, the audit log (see CONTEXT.md). */
export const adminModule = defineModule({
  name: 'admin',
  needs: ['site', 'accounts'],
  tables: [],
  create: (core, { site, accounts }) => new AdminService(core.db, core.state, core.config.dataDir, core.clock, { site, accounts, mailer: core.mailer }),
  async routes(app, { api: admin, core }) {
    await adminRoutes(app, { admin, logoUrl });
    await auditRoutes(app, { log: new AuditLog(core.db), state: core.state });
  },
  adminMenu: [
    { href: '/admin', title: 'Overview', order: 0 },
    { href: '/admin/settings', title: 'Settings', order: 90 },
    { href: '/admin/audit', title: 'Audit log', order: 100 },
  ],
});
