import { mailTemplates } from './migrations/0008_mail_templates.js';
import { defineModule } from '#core/module.js';
import { mailRoutes } from './routes.js';
import { MailTemplateService } from './template-service.js';

export type { MailTemplateService } from './template-service.js';

declare module '#core/module.js' {
  interface ModuleApis {
    mail: MailTemplateService;
  }
}

/** The admins' view of e-mail: sent mail and the editable templates of the automatic e-mails (see CONTEXT.md). */
export const mailModule = defineModule({
  name: 'mail',
  migrations: {
    '0008_mail_templates': mailTemplates,
  },
  needs: [],
  tables: ['mail_templates'],
  create: (core) => new MailTemplateService(core.db, core.clock),
  routes: (app, { api: templates, core }) => mailRoutes(app, { mailer: core.mailer, state: core.state, baseUrl: core.config.baseUrl, templates }),
  adminMenu: [
    { href: '/admin/mail', title: 'Sent mail', order: 80 },
    { href: '/admin/mail/templates', title: 'E-mail templates', order: 85 },
  ],
});
