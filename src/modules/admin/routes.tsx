import type { FastifyInstance } from 'fastify';
import { actorOf } from '#core/audit/index.js';
import { userOf } from '#core/auth/guards.js';
import { formValues, parseForm } from '#core/http/forms.js';
import type { SiteSettings } from '#core/settings.js';
import type { FieldErrors } from '#core/views/forms.js';
import { settingsInput, timeZones, type AdminService } from './service.js';
import { AdminOverview, SettingsForm } from './views.js';

interface Deps {
  admin: AdminService;
  logoUrl(settings: SiteSettings): string | null;
}

export async function adminRoutes(app: FastifyInstance, deps: Deps) {
  app.get('/admin', async (_request, reply) => reply.page({ title: 'Administration', admin: true, body: <AdminOverview o={await deps.admin.overview()} /> }));

  const settingsPage = async (csrf: string, values: Record<string, string>, errors?: FieldErrors) => {
    const settings = await deps.admin.getSettings();
    return {
      title: 'Settings',
      admin: true,
      status: errors ? 422 : 200,
      body: <SettingsForm csrf={csrf} values={values} errors={errors} timeZones={timeZones()} logoUrl={deps.logoUrl(settings)} />,
    };
  };

  app.get('/admin/settings', async (_request, reply) => {
    const s = await deps.admin.getSettings();
    const values = {
      associationName: s.associationName,
      shortName: s.shortName,
      tagline: s.tagline,
      contactEmail: s.contactEmail,
      timeZone: s.timeZone,
      requireAdminTwoFactor: s.requireAdminTwoFactor,
    };
    return reply.page(await settingsPage(reply.csrfToken(), values));
  });

  app.post('/admin/settings', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const logo = Buffer.isBuffer(body.logo) ? body.logo : undefined;
    const form = parseForm(settingsInput, body);
    const saved = form.ok ? await deps.admin.saveSettings(form.data, logo, { hasTwoFactor: await deps.admin.hasTwoFactor(userOf(request).id) }, actorOf(request)) : form;
    if (!saved.ok) return reply.page(await settingsPage(reply.csrfToken(), formValues(body), saved.errors));
    reply.setFlash('success', 'The settings were saved.');
    return reply.redirect('/admin/settings', 303);
  });

  app.get<{ Params: { file: string } }>('/uploads/:file', async (request, reply) => {
    const file = await deps.admin.readUpload(request.params.file);
    if (!file) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(file.type).send(file.body);
  });
}
