import type { FastifyInstance } from 'fastify';
import { actorOf } from '#core/audit/index.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { findById } from '#core/http/params.js';
import { fieldInput, type MemberFieldsService } from './service.js';
import * as fv from './views.js';

interface Deps {
  fields: MemberFieldsService;
}

/** /admin/fields: the board's member fields. */
export async function fieldRoutes(app: FastifyInstance, { fields }: Deps) {
  app.get('/admin/fields', async (_request, reply) => reply.page({ title: 'Member fields', admin: true, body: <fv.FieldList fields={await fields.list()} /> }));

  app.get('/admin/fields/new', async (_request, reply) =>
    reply.page({ title: 'New member field', admin: true, body: <fv.FieldForm action="/admin/fields" csrf={reply.csrfToken()} values={{ type: 'text', visibility: 'admins' }} /> }),
  );

  app.post('/admin/fields', async (request, reply) => {
    const form = parseForm(fieldInput, request.body);
    const saved = form.ok ? await fields.save(null, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: 'New member field',
        admin: true,
        body: <fv.FieldForm action="/admin/fields" csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} />,
      });
    }
    reply.setFlash('success', "The field was created. It now appears on the application form and on each member's profile.");
    return reply.redirect('/admin/fields', 303);
  });

  app.get<{ Params: { id: string } }>('/admin/fields/:id', async (request, reply) => {
    const field = await findById(request.params.id, fields.get);
    if (!field) return reply.callNotFound();
    return reply.page({
      title: `Edit “${field.label}”`,
      admin: true,
      body: <fv.FieldForm action={`/admin/fields/${field.id}`} csrf={reply.csrfToken()} values={fv.fieldValues(field)} fieldKey={field.key} />,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/fields/:id', async (request, reply) => {
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
}
