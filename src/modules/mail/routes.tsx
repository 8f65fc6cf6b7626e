import { actorOf } from '#core/audit/index.js';
import type { FastifyInstance } from 'fastify';
import { userOf } from '#core/auth/guards.js';
import type { Mailer } from '#core/mail/index.js';
import { findById, parsePageNumber } from '#core/http/params.js';
import type { SiteState } from '#core/settings.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { templateInput, type MailTemplateService } from './template-service.js';
import { templateDefinition } from '#core/mail/templates.js';
import { TemplateEditor, TemplateList } from './template-views.js';
import { MailList, MailMessage } from './views.js';

export async function mailRoutes(
  app: FastifyInstance,
  { mailer, state, baseUrl, templates }: { mailer: Mailer; state: SiteState; baseUrl: string; templates: MailTemplateService },
) {
  app.get('/admin/mail/templates', async (_request, reply) => {
    return reply.page({ title: 'E-mail templates', admin: true, body: <TemplateList templates={await templates.list()} /> });
  });

  app.get<{ Params: { key: string } }>('/admin/mail/templates/:key', async (request, reply) => {
    const found = await templates.get(request.params.key);
    if (!found) return reply.callNotFound();
    const settings = await state.getSettings();
    return reply.page({
      title: found.definition.name,
      admin: true,
      body: (
        <TemplateEditor
          definition={found.definition}
          csrf={reply.csrfToken()}
          values={found.source}
          edited={found.source.edited}
          updatedAt={found.updatedAt}
          timeZone={settings.timeZone}
          preview={found.preview}
        />
      ),
    });
  });

  app.post<{ Params: { key: string } }>('/admin/mail/templates/:key', async (request, reply) => {
    const found = await templates.get(request.params.key);
    if (!found) return reply.callNotFound();
    const typed = formValues(request.body);
    const form = parseForm(templateInput, request.body);
    const checked = form.ok ? templates.check(found.definition, form.data) : form;
    const previewOnly = typed.intent === 'preview';
    if (!checked.ok || previewOnly) {
      const settings = await state.getSettings();
      const values = { subject: typed.subject ?? '', text: typed.text ?? '' };
      return reply.page({
        status: checked.ok ? 200 : 422,
        title: found.definition.name,
        admin: true,
        body: (
          <TemplateEditor
            definition={found.definition}
            csrf={reply.csrfToken()}
            values={values}
            edited={found.source.edited}
            updatedAt={found.updatedAt}
            timeZone={settings.timeZone}
            preview={checked.ok ? templates.preview(found.definition, checked.value) : found.preview}
            unsaved={checked.ok}
            errors={checked.ok ? undefined : checked.errors}
          />
        ),
      });
    }
    const saved = await templates.save(found.definition.key, checked.value, userOf(request).id, actorOf(request));
    if (!saved.ok) {
      reply.setFlash('error', saved.errors.form ?? 'The e-mail was not saved.');
      return reply.redirect(`/admin/mail/templates/${found.definition.key}`, 303);
    }
    reply.setFlash('success', `The e-mail "${found.definition.name}" was saved. The next one sent uses it.`);
    return reply.redirect(`/admin/mail/templates/${found.definition.key}`, 303);
  });

  app.post<{ Params: { key: string } }>('/admin/mail/templates/:key/restore', async (request, reply) => {
    const definition = templateDefinition(request.params.key);
    if (!definition || !(await templates.restoreDefault(definition.key, actorOf(request)))) return reply.callNotFound();
    reply.setFlash('success', `The e-mail "${definition.name}" uses the default text again.`);
    return reply.redirect(`/admin/mail/templates/${definition.key}`, 303);
  });

  app.get<{ Querystring: { page?: string } }>('/admin/mail', async (request, reply) => {
    const page = parsePageNumber(request.query.page);
    const [{ messages, pages }, settings] = await Promise.all([mailer.list(page, 50), state.getSettings()]);
    return reply.page({
      title: 'Sent mail',
      admin: true,
      body: <MailList messages={messages} page={Math.min(page, pages)} pages={pages} timeZone={settings.timeZone} mode={mailer.mode} folder={mailer.folder} />,
    });
  });

  app.get<{ Params: { id: string } }>('/admin/mail/:id', async (request, reply) => {
    const message = await findById(request.params.id, (id) => mailer.get(id));
    if (!message) return reply.callNotFound();
    const settings = await state.getSettings();
    return reply.page({ title: message.subject, admin: true, body: <MailMessage message={message} timeZone={settings.timeZone} baseUrl={baseUrl} /> });
  });

  app.get<{ Params: { id: string } }>('/admin/mail/:id/raw', async (request, reply) => {
    const message = await findById(request.params.id, (id) => mailer.get(id));
    const body = message?.file_name ? await mailer.readFile(message.file_name) : undefined;
    if (!message || !body) return reply.callNotFound();
    // The raw message can hold a reset or set-up link: no cache may keep it.
    return reply.header('cache-control', 'private, no-store').header('content-disposition', `attachment; filename="${message.file_name}"`).type('message/rfc822').send(body);
  });
}
