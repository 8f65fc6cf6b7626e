import type { FastifyInstance } from 'fastify';
import { requireMemberAccess, userOf } from '#core/auth/guards.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { parsePageNumber } from '#core/http/params.js';
import { refused } from '#core/result.js';
import type { FieldErrors } from '#core/views/forms.js';
import { profileInput, type DirectoryService } from './service.js';
import * as dv from './views.js';
import { parseCustomFields } from '../fields/index.js';

interface Deps {
  directory: DirectoryService;
}

/** /account/profile (a member's profile and privacy), /directory. */
export async function directoryRoutes(app: FastifyInstance, { directory }: Deps) {
  // A member's profile and privacy

  app.get('/account/profile', async (request, reply) => {
    const profile = await directory.profile(userOf(request).id);
    if (!profile) return reply.page({ title: 'My profile', body: <dv.NoProfile /> });
    const values = dv.profileValues(profile.membership, profile.privacy, profile.fields, profile.values);
    return reply.page({ title: 'My profile', body: <dv.ProfileForm csrf={reply.csrfToken()} email={profile.membership.email} fields={profile.fields} values={values} /> });
  });

  app.post('/account/profile', async (request, reply) => {
    const profile = await directory.profile(userOf(request).id);
    if (!profile) return reply.page({ status: 404, title: 'My profile', body: <dv.NoProfile /> });
    const form = parseForm(profileInput, request.body);
    const custom = parseCustomFields(profile.fields, request.body, profile.values);
    const errors: FieldErrors = { ...(form.ok ? {} : form.errors), ...('errors' in custom ? custom.errors : {}) };
    const result = form.ok && 'values' in custom ? await directory.saveProfile(userOf(request).id, form.data, custom.values) : refused(errors);
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
