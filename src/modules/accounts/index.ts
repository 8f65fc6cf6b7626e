import { twoFactor } from './migrations/0010_two_factor.js';
import { defineModule } from '#core/module.js';
import { ACCOUNTS_TEMPLATES } from './templates.js';
import { accountRoutes } from './routes.js';
import { AccountsService } from './service.js';

export type { AccountsService } from './service.js';

declare module '#core/module.js' {
  interface ModuleApis {
    accounts: AccountsService;
  }
}

/** Log-in, passwords, single-use links, two-factor sign-in, users and invitations (see CONTEXT.md). */
export const accountsModule = defineModule({
  name: 'accounts',
  migrations: {
    '0010_two_factor': twoFactor,
  },
  needs: [],
  tables: ['users', 'auth_tokens', 'login_failures', 'two_factor', 'recovery_codes'],
  create: (core) =>
    new AccountsService(core.db, core.clock, core.sessions, core.mailer, core.jobs, core.state, {
      baseUrl: core.config.baseUrl,
      twoFactorKey: core.secrets.twoFactorKey,
    }),
  routes: (app, { api: accounts, core }) => accountRoutes(app, { accounts, state: core.state, secureCookies: core.config.secureCookies, accountSections: core.accountSections }),
  templates: ACCOUNTS_TEMPLATES,
  adminMenu: [{ href: '/admin/users', title: 'Users', order: 40 }],
  hooks: ({ api: accounts }) => ({ adminMustSetUpTwoFactor: (user) => accounts.twoFactor.mustSetUp(user) }),
});
