import { defineModule } from '#core/module.js';
import { siteRoutes } from './routes.js';
import { seedSettings } from './seed-content.js';
import { SiteService } from './service.js';

export type { SiteService } from './service.js';

declare module '#core/module.js' {
  interface ModuleApis {
    site: SiteService;
  }
}

/** Public pages, news and the site's menu (see CONTEXT.md). */
export const siteModule = defineModule({
  name: 'site',
  needs: [],
  tables: ['pages', 'news_posts'],
  create: (core) => new SiteService(core.db, core.clock, core.state),
  async seed({ api: site, core: { db, state } }) {
    if (await state.isEmpty()) await db.transaction().execute((trx) => state.saveSettings(trx, { ...seedSettings, logo: '' }));
    await site.seedIfEmpty();
  },
  routes: (app, { api: site, core }) => siteRoutes(app, { site, state: core.state, baseUrl: core.config.baseUrl }),
  adminMenu: [
    { href: '/admin/pages', title: 'Pages', order: 10 },
    { href: '/admin/news', title: 'News', order: 20 },
  ],
  hooks: ({ api: site }) => ({ publicMenu: (members) => site.menu(members) }),
});
