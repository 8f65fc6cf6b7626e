import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { Sessions, type SessionUser } from './core/auth/sessions.js';
import { systemClock, type Clock } from './core/clock.js';
import { openDatabase, type Database } from './core/db/index.js';
import { Events } from './core/events/index.js';
import { createHttp } from './core/http/http.js';
import { Jobs } from './core/jobs/index.js';
import { Mailer } from './core/mail/index.js';
import { loadSecrets } from './core/secrets.js';
import { SiteState, type SiteSettings } from './core/settings.js';
import { accountRoutes } from './modules/accounts/routes.js';
import { AccountsService } from './modules/accounts/service.js';
import { adminRoutes } from './modules/admin/routes.js';
import { auditRoutes } from './modules/admin/audit-routes.js';
import { AuditLog } from './core/audit/queries.js';
import { AdminService } from './modules/admin/service.js';
import { billingRoutes } from './modules/billing/routes.js';
import { BillingService } from './modules/billing/service.js';
import { StripePayments } from './modules/billing/stripe.js';
import { stripeRoutes } from './modules/billing/stripe-routes.js';
import { AutoRenewal } from './modules/membership/auto-renewal.js';
import { BundleService } from './modules/membership/bundles.js';
import { bundleRoutes } from './modules/membership/bundles-routes.js';
import { BundleSection, CoveredNote } from './modules/membership/bundles-views.js';
import { AutoRenewalSection } from './modules/membership/auto-renewal-views.js';
import { mailRoutes } from './modules/mail/routes.js';
import { MailTemplateService } from './modules/mail/template-service.js';
import { membershipRoutes } from './modules/membership/routes.js';
import { AdminMembersService } from './modules/membership/admin-members.js';
import { adminMemberRoutes } from './modules/membership/admin-routes.js';
import { DirectoryService } from './modules/membership/directory.js';
import { directoryRoutes } from './modules/membership/directory-routes.js';
import { DirectoryAccountSection } from './modules/membership/directory-views.js';
import { MemberFieldsService } from './modules/membership/fields.js';
import { MembershipService } from './modules/membership/service.js';
import { renewalRoutes } from './modules/membership/renewals-routes.js';
import { RenewalService } from './modules/membership/renewals.js';
import { MembershipSection, NotAMember } from './modules/membership/views.js';
import { siteRoutes } from './modules/site/routes.js';
import { SiteService } from './modules/site/service.js';
import { seedSettings } from './modules/site/seed-content.js';

export interface Headworks {
  config: Config;
  database: Database;
  clock: Clock;
  jobs: Jobs;
  mailer: Mailer;
  events: Events;
  sessions: Sessions;
  state: SiteState;
  site: SiteService;
  accounts: AccountsService;
  admin: AdminService;
  billing: BillingService;
  membership: MembershipService;
  fields: MemberFieldsService;
  directory: DirectoryService;
  /** Card payments and automatic renewal: null unless both Stripe keys are set. */
  stripe: StripePayments | null;
  autoRenewal: AutoRenewal | null;
  renewals: RenewalService;
  bundles: BundleService;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The composition root: open and migrate the database, fill a new site with its starting content,
 * wire the services, and build the HTTP app. `main.ts` listens; tests use `app.inject` or listen.
 */
export async function createHeadworks(config: Config, options: { clock?: Clock } = {}): Promise<Headworks> {
  const clock = options.clock ?? systemClock;
  const secrets = loadSecrets(config.dataDir);
  const database = await openDatabase(config.database);
  try {
    const { db } = database;
    const state = new SiteState(db);
    const sessions = new Sessions(db, clock);
    const jobs = new Jobs(db, clock);
    const mailer = new Mailer(db, jobs, clock, { smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir });
    const events = new Events(clock);
    const site = new SiteService(db, clock, state);
    const accounts = new AccountsService(db, clock, sessions, mailer, jobs, state, { baseUrl: config.baseUrl, twoFactorKey: secrets.twoFactorKey });
    const admin = new AdminService(db, state, config.dataDir, clock);
    const billing = new BillingService(db, clock, state, events);
    const membership = new MembershipService(db, clock, state, accounts, billing, mailer, jobs, sessions, events, { baseUrl: config.baseUrl });
    const adminMembers = new AdminMembersService(db, clock, state, jobs, membership, accounts, events);
    const fields = new MemberFieldsService(db, clock);
    const directory = new DirectoryService(db, clock, accounts, fields);
    const stripe = config.stripe ? new StripePayments(db, clock, state, billing, mailer, events, { ...config.stripe, baseUrl: config.baseUrl }) : null;
    const autoRenewal = stripe ? new AutoRenewal(db, clock, state, billing, stripe, mailer, jobs, events, { baseUrl: config.baseUrl }) : null;
    const renewals = new RenewalService(db, clock, state, accounts, billing, mailer, jobs, events, { baseUrl: config.baseUrl });
    const bundles = new BundleService(db, clock, state, accounts, mailer, jobs, { baseUrl: config.baseUrl });

    // One process at a time: two started together on a new database would both see it empty.
    await database.exclusive(async () => {
      await database.migrate();
      if (await state.isEmpty()) {
        await db.transaction().execute((trx) => state.saveSettings(trx, { ...seedSettings, logo: '' }));
      }
      await site.seedIfEmpty();
      await membership.seedLevelsIfEmpty();
    });

    const logoUrl = (s: SiteSettings) => (s.logo ? `/uploads/${s.logo}` : null);
    const app = await createHttp({
      config,
      cookieSecret: secrets.cookieSecret,
      sessions,
      async chrome(members) {
        const [settings, menu] = await Promise.all([state.getSettings(), site.menu(members)]);
        return { settings, menu, logoUrl: logoUrl(settings) };
      },
      memberAccess: (user) => membership.hasAccess(user.id),
    });
    jobs.setLogger(app.log);
    // Every admin route's guard asks this (core/auth/guards.tsx): with the setting on, an admin without two-factor sets it up first.
    app.decorate('adminMustSetUpTwoFactor', (user: SessionUser) => accounts.twoFactor.mustSetUp(user));
    stripe?.setLogger(app.log);

    await app.register(accountRoutes, {
      accounts,
      state,
      secureCookies: config.secureCookies,
      async accountSections(request, reply) {
        const [mine, settings] = await Promise.all([membership.forUser(request.user!.id), state.getSettings()]);
        if (!mine) return request.user!.role === 'admin' ? null : <NotAMember />;
        const canRenew = await renewals.canRenew(mine.membership, mine.level);
        const [bundle, coveredBy] = await Promise.all([bundles.forContact(request.user!.id), bundles.coveredBy(request.user!.id)]);
        const section = (
          <>
            <MembershipSection membership={mine.membership} level={mine.level} invoices={mine.invoices} timeZone={settings.timeZone} csrf={reply.csrfToken()} canRenew={canRenew} payOnline={!!stripe} />
            {bundle ? <BundleSection state={bundle} csrf={reply.csrfToken()} /> : null}
            {coveredBy ? <CoveredNote contact={coveredBy} /> : null}
            <DirectoryAccountSection />
          </>
        );
        if (!autoRenewal) return section;
        const renewal = await autoRenewal.forUser(request.user!.id);
        return (
          <>
            {section}
            {renewal ? <AutoRenewalSection state={renewal} timeZone={settings.timeZone} csrf={reply.csrfToken()} /> : null}
          </>
        );
      },
    });
    await app.register(membershipRoutes, { membership, site, fields });
    await app.register(adminMemberRoutes, { members: adminMembers, state, membership, bundles });
    await app.register(directoryRoutes, { fields, directory });
    await app.register(renewalRoutes, { renewals });
    await app.register(bundleRoutes, { bundles });
    await app.register(adminRoutes, {
      admin,
      logoUrl,
      hasTwoFactor: (userId) => accounts.twoFactor.isOn(userId),
      async overview() {
        const [pages, news, users, mailWaiting] = await Promise.all([site.listPages(), site.listAllNews(), accounts.listUsers(1, 1), mailer.countWaiting()]);
        return {
          pages: pages.length,
          news: news.length,
          users: users.total,
          mailWaiting,
          mailMode: mailer.mode,
        };
      },
    });
    await app.register(auditRoutes, { log: new AuditLog(db), state });
    await app.register(mailRoutes, { mailer, state, baseUrl: config.baseUrl, templates: new MailTemplateService(db, clock) });
    await app.register(billingRoutes, { billing, state });
    await app.register(stripeRoutes, { stripe, autoRenewal });
    await app.register(siteRoutes, { site, state, baseUrl: config.baseUrl });
    await app.ready();

    return {
      config,
      database,
      clock,
      jobs,
      mailer,
      events,
      sessions,
      state,
      site,
      accounts,
      admin,
      billing,
      membership,
      fields,
      directory,
      renewals,
      bundles,
      stripe,
      autoRenewal,
      app,
      async close() {
        await jobs.stop();
        await app.close();
        mailer.close();
        await database.destroy();
      },
    };
  } catch (err) {
    await database.destroy();
    throw err;
  }
}
