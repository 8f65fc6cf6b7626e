import { actorOf } from '../../../core/audit/index.js';
import type { FastifyInstance } from 'fastify';
import { requireMemberAccess, requireRole } from '../../../core/auth/guards.js';
import { formValues, parseForm } from '../../../core/http/forms.js';
import { findById, parsePageNumber } from '../../../core/http/params.js';
import type { FieldErrors } from '../../../core/views/forms.js';
import { profileInput, type DirectoryService } from './service.js';
import * as dv from './views.js';
import { fieldInput, parseCustomFields, type MemberFieldsService } from '../fields/service.js';
import * as fv from '../fields/views.js';

interface Deps {
  fields: MemberFieldsService;
  directory: DirectoryService;
}

/** /admin/fields (the board's member fields), /account/profile (a member's profile and privacy), /directory. */
export async function directoryRoutes(app: FastifyInstance, { fields, directory }: Deps) {
  const admin = { preHandler: requireRole('admin') };
  const member = { preHandler: requireRole('member') };

  // Admin: member fields

  app.get('/admin/fields', admin, async (_request, reply) => reply.page({ title: 'Member fields', admin: true, body: <fv.FieldList fields={await fields.list()} /> }));

  app.get('/admin/fields/new', admin, async (_request, reply) =>
    reply.page({ title: 'New member field', admin: true, body: <fv.FieldForm action="/admin/fields" csrf={reply.csrfToken()} values={{ type: 'text', visibility: 'admins' }} /> }),
  );

  app.post('/admin/fields', admin, async (request, reply) => {
    const form = parseForm(fieldInput, request.body);
    const saved = form.ok ? await fields.save(null, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({ status: 422, title: 'New member field', admin: true, body: <fv.FieldForm action="/admin/fields" csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} /> });
    }
    reply.setFlash('success', "The field was created. It now appears on the application form and on each member's profile.");
    return reply.redirect('/admin/fields', 303);
  });

  app.get<{ Params: { id: string } }>('/admin/fields/:id', admin, async (request, reply) => {
    const field = await findById(request.params.id, fields.get);
    if (!field) return reply.callNotFound();
    return reply.page({
      title: `Edit “${field.label}”`,
      admin: true,
      body: <fv.FieldForm action={`/admin/fields/${field.id}`} csrf={reply.csrfToken()} values={fv.fieldValues(field)} fieldKey={field.key} />,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/fields/:id', admin, async (request, reply) => {
    const field = await findById(request.params.id, fields.get);
    if (!field) return reply.callNotFound();
    const form = parseForm(fieldInput, request.body);
    const saved = form.ok ? await fields.save(field.id, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: `Edit “${field.label}”`,
        admin: true,
        body: <fv.FieldForm action={`/admin/fields/${field.id}`} csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} fieldKey={field.key} />,
      });
    }
    reply.setFlash('success', 'The field was saved.');
    return reply.redirect('/admin/fields', 303);
  });

  // A member's profile and privacy

  app.get('/account/profile', member, async (request, reply) => {
    const profile = await directory.profile(request.user!.id);
    if (!profile) return reply.page({ title: 'My profile', body: <dv.NoProfile /> });
    const values = dv.profileValues(profile.membership, profile.privacy, profile.fields, profile.values);
    return reply.page({ title: 'My profile', body: <dv.ProfileForm csrf={reply.csrfToken()} email={profile.membership.email} fields={profile.fields} values={values} /> });
  });

  app.post('/account/profile', member, async (request, reply) => {
    const profile = await directory.profile(request.user!.id);
    if (!profile) return reply.page({ status: 404, title: 'My profile', body: <dv.NoProfile /> });
    const form = parseForm(profileInput, request.body);
    const custom = parseCustomFields(profile.fields, request.body, profile.values);
    const errors: FieldErrors = { ...(form.ok ? {} : form.errors), ...('errors' in custom ? custom.errors : {}) };
    const result = form.ok && 'values' in custom ? await directory.saveProfile(request.user!.id, form.data, custom.values) : { ok: false as const, errors };
    if (!result.ok) {
      return reply.page({
        status: 422,
        title: 'My profile',
        body: <dv.ProfileForm csrf={reply.csrfToken()} email={profile.membership.email} fields={profile.fields} values={formValues(request.body)} errors={result.errors} />,
      });
    }
    reply.setFlash('success', 'Your profile was saved.');
    return reply.redirect('/account/profile', 303);
  });

  // The directory: members with an active membership (and admins) only

  app.get<{ Querystring: { q?: unknown; page?: unknown } }>('/directory', { preHandler: requireMemberAccess }, async (request, reply) => {
    const q = typeof request.query.q === 'string' ? request.query.q.trim().slice(0, 100) : '';
    const result = await directory.search({ q, page: parsePageNumber(request.query.page) });
    return reply.page({ title: 'Member directory', body: <dv.DirectoryPage q={q} {...result} /> });
  });
}
