import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../core/auth/guards.js';
import type { Mailer } from '../../core/mail/index.js';
import { findById, parsePageNumber } from '../../core/http/params.js';
import type { SiteState } from '../../core/settings.js';
import { MailList, MailMessage } from './views.js';

export async function mailRoutes(app: FastifyInstance, { mailer, state, baseUrl }: { mailer: Mailer; state: SiteState; baseUrl: string }) {
  const admin = { preHandler: requireRole('admin') };

  app.get<{ Querystring: { page?: string } }>('/admin/mail', admin, async (request, reply) => {
    const page = parsePageNumber(request.query.page);
    const [{ messages, pages }, settings] = await Promise.all([mailer.list(page, 50), state.getSettings()]);
    return reply.page({
      title: 'Sent mail',
      admin: true,
      body: <MailList messages={messages} page={Math.min(page, pages)} pages={pages} timeZone={settings.timeZone} mode={mailer.mode} folder={mailer.folder} />,
    });
  });

  app.get<{ Params: { id: string } }>('/admin/mail/:id', admin, async (request, reply) => {
    const message = await findById(request.params.id, (id) => mailer.get(id));
    if (!message) return reply.callNotFound();
    const settings = await state.getSettings();
    return reply.page({ title: message.subject, admin: true, body: <MailMessage message={message} timeZone={settings.timeZone} baseUrl={baseUrl} /> });
  });

  app.get<{ Params: { id: string } }>('/admin/mail/:id/raw', admin, async (request, reply) => {
    const message = await findById(request.params.id, (id) => mailer.get(id));
    const body = message?.file_name ? await mailer.readFile(message.file_name) : undefined;
    if (!message || !body) return reply.callNotFound();
    return reply
      .header('content-disposition', `attachment; filename="${message.file_name}"`)
      .type('message/rfc822')
      .send(body);
  });
}
