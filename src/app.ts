import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from './config.js';
import { Sessions } from '#core/auth/sessions.js';
import { systemClock, type Clock } from '#core/clock.js';
import { openDatabase, type Database } from '#core/db/index.js';
import { Events } from '#core/events/index.js';
import { createHttp } from '#core/http/http.js';
import { Jobs } from '#core/jobs/index.js';
import { Mailer } from '#core/mail/index.js';
import { adminMenuOf, type AnyModule, type Core, type ModuleApis, type SiteHooks } from '#core/module.js';
import { registerTemplates } from '#core/mail/templates.js';
import { registerMigrations } from '#core/db/migrations/index.js';
import { loadSecrets } from '#core/secrets.js';
import { SiteState } from '#core/settings.js';
import { accountsModule } from '#modules/accounts/index.js';
import { adminModule } from '#modules/admin/index.js';
import { billingModule } from '#modules/billing/index.js';
import { mailModule } from '#modules/mail/index.js';
import { membershipModule } from '#modules/membership/index.js';
import { siteModule } from '#modules/site/index.js';

/** Every module, in the order they are made (a module comes after the ones it needs). Adding a module is one line here. */
export const MODULES: readonly AnyModule[] = [siteModule, accountsModule, mailModule, billingModule, membershipModule, adminModule];

// Every database this code opens (the site, a backup, a restore) runs core's and every module's migrations.
for (const module of MODULES) registerMigrations(module.name, module.migrations);

export type Headworks = Core &
  ModuleApis & {
    database: Database;
    app: FastifyInstance;
    close(): Promise<void>;
  };

/**
 * The composition root: open and migrate the database, make every module (each from its manifest,
 * core/module.ts), fill a new site with its starting content, and build the HTTP app. `main.ts`
 * listens; tests use `app.inject` or listen.
 */
export async function createHeadworks(config: Config, options: { clock?: Clock } = {}): Promise<Headworks> {
  const clock = options.clock ?? systemClock;
  const secrets = loadSecrets(config.dataDir);
  const database = await openDatabase(config.database);
  try {
    const { db } = database;
    const jobs = new Jobs(db, clock);
    const core: Core = {
      config,
      db,
      dialect: database.dialect,
      clock,
      secrets,
      state: new SiteState(db),
      sessions: new Sessions(db, clock),
      jobs,
      mailer: new Mailer(db, jobs, clock, { smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir }),
      events: new Events(clock),
      accountSections: async (request, reply) => {
        const sections = [];
        for (const { render } of accountSections) sections.push(await render(request, reply));
        return sections;
      },
    };

    for (const module of MODULES) registerTemplates(module.templates ?? []);
    const apis: Partial<Record<keyof ModuleApis, unknown>> = {};
    const contexts = new Map<AnyModule, Parameters<NonNullable<AnyModule['routes']>>[1]>();
    for (const module of MODULES) {
      const needs = Object.fromEntries(
        module.needs.map((name) => {
          if (!(name in apis)) throw new Error(`Module "${module.name}" needs "${name}", which must come before it in MODULES.`);
          return [name, apis[name]];
        }),
      ) as never;
      const api = await module.create(core, needs);
      apis[module.name] = api;
      contexts.set(module, { api, core, needs } as never);
    }
    const contextOf = (module: AnyModule) => contexts.get(module) as never;
    const accountSections = MODULES.flatMap(({ accountSection }, i) => (accountSection ? [{ ...accountSection, module: MODULES[i]! }] : []))
      .sort((a, b) => a.order - b.order)
      .map((section) => ({ render: (request: FastifyRequest, reply: FastifyReply) => section.render(contextOf(section.module), request, reply) }));
    for (const module of MODULES) core.events.onAll(module.events?.(contextOf(module)) ?? {});
    const hooks: Partial<SiteHooks> = Object.assign({}, ...MODULES.map((m) => m.hooks?.(contextOf(m)) ?? {}));

    // One process at a time: two started together on a new database would both see it empty.
    await database.exclusive(async () => {
      await database.migrate();
      for (const module of MODULES) await module.seed?.(contextOf(module));
    });

    const app = await createHttp({
      config,
      cookieSecret: secrets.cookieSecret,
      sessions: core.sessions,
      adminMenu: adminMenuOf(MODULES),
      async chrome(members) {
        const [settings, menu] = await Promise.all([core.state.getSettings(), hooks.publicMenu?.(members) ?? []]);
        return { settings, menu, logoUrl: settings.logo ? `/uploads/${settings.logo}` : null };
      },
      memberAccess: (user) => hooks.memberAccess?.(user) ?? Promise.resolve(false),
    });
    jobs.setLogger(app.log);
    // Every admin route's guard asks this (core/auth/guards.tsx): with the setting on, an admin without two-factor sets it up first.
    if (hooks.adminMustSetUpTwoFactor) app.decorate('adminMustSetUpTwoFactor', hooks.adminMustSetUpTwoFactor);
    for (const module of MODULES) await module.routes?.(app, contextOf(module));
    await app.ready();

    return {
      ...core,
      ...(apis as ModuleApis),
      database,
      app,
      async close() {
        await jobs.stop();
        await app.close();
        core.mailer.close();
        await database.destroy();
      },
    };
  } catch (err) {
    await database.destroy();
    throw err;
  }
}
