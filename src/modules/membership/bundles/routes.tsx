import type { FastifyInstance, FastifyReply } from 'fastify';
import { userOf } from '#core/auth/guards.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { parseId } from '#core/http/params.js';
import type { FieldErrors } from '#core/views/forms.js';
import { bundlePersonInput, type BundleService } from './service.js';
import { BundleSection } from './views.js';

interface Deps {
  bundles: BundleService;
}

const TITLE = 'People covered by your agency membership';

const notYours = (reply: FastifyReply) =>
  reply.page({
    status: 404,
    title: 'Not found',
    body: (
      <p>
        You do not manage an agency membership. Your membership is on <a href="/account">your account page</a>.
      </p>
    ),
  });

/** What the contact reads after adding someone; it says so when no e-mail went (too many today), and what the person can do instead. */
export function addedMessage(email: string, added: { created: boolean; emailed: boolean }): string {
  if (added.emailed) return added.created ? `${email} is now covered. We e-mailed them a link to set up their account.` : `${email} is now covered. We e-mailed them.`;
  return `${email} is now covered. We did not e-mail them, because many e-mails have gone to this address or from your additions today: please tell them yourself that they can choose a password with “Forgot your password?” on the log-in page.`;
}

/** /account/bundle…: the contact of an agency membership adds and removes the people it covers. */
export async function bundleRoutes(app: FastifyInstance, { bundles }: Deps) {
  const page = async (reply: FastifyReply, userId: number, status: number, values?: Record<string, string>, errors?: FieldErrors) => {
    const state = await bundles.forContact(userId);
    if (!state) return notYours(reply);
    return reply.page({ status, title: TITLE, body: <BundleSection state={state} csrf={reply.csrfToken()} values={values} errors={errors} /> });
  };

  app.get('/account/bundle', async (request, reply) => page(reply, userOf(request).id, 200));

  app.post('/account/bundle/people', async (request, reply) => {
    const userId = userOf(request).id;
    if (!(await bundles.forContact(userId))) return notYours(reply);
    const form = parseForm(bundlePersonInput, request.body);
    if (!form.ok) return page(reply, userId, 422, form.values, form.errors);
    const result = await bundles.add(userId, form.data);
    if (!result.ok) return page(reply, userId, 422, formValues(request.body), result.errors);
    const { email } = form.data;
    reply.setFlash('success', addedMessage(email, result.value));
    return reply.redirect('/account', 303);
  });

  app.post<{ Params: { id: string } }>('/account/bundle/people/:id/remove', async (request, reply) => {
    const userId = userOf(request).id;
    const id = parseId(request.params.id);
    if (!(await bundles.forContact(userId)) || id === null) return notYours(reply);
    const result = await bundles.remove(userId, id);
    if (!result.ok) return reply.page({ status: 404, title: 'Not found', body: <p>{result.errors.form}</p> });
    reply.setFlash('success', `${result.value.name} is no longer covered by your membership.`);
    return reply.redirect('/account', 303);
  });
}
