import type { FastifyInstance } from 'fastify';
import { actorOf } from '#core/audit/index.js';
import { userOf } from '#core/auth/guards.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { findById } from '#core/http/params.js';
import { refused } from '#core/result.js';
import type { SiteService } from '#modules/site/index.js';
import { fieldFormValues, parseCustomFields, type MemberFieldsService } from '../fields/index.js';
import { levelInput, type Level } from './levels.js';
import { applicationInput, liveMembershipMessage, reapplicationInput, type MembershipService } from './service.js';
import * as v from './views.js';
import { warmPasswordCheck } from '#core/auth/passwords.js';

interface Deps {
  membership: MembershipService;
  site: SiteService;
  fields: MemberFieldsService;
}

export async function membershipRoutes(app: FastifyInstance, { membership, site, fields }: Deps) {
  // Joining

  app.get('/join', async (request, reply) => {
    // The introduction is the "join" page admins edit under Pages.
    const [intro, levels, state] = await Promise.all([site.getPage('join'), membership.publicLevels(), request.user ? membership.applyState(request.user.id) : null]);
    return reply.page({
      title: intro?.title ?? 'Become a member',
      description: intro?.description,
      body: <v.JoinPage introHtml={intro?.body_html ?? null} levels={levels} signedIn={!!request.user} canApply={!!state?.canApply} />,
    });
  });

  const applicationTitle = (level: Level) => `Apply for ${level.name} membership`;

  app.get<{ Params: { id: string } }>('/join/:id', async (request, reply) => {
    const level = await findById(request.params.id, membership.getLevel);
    if (!level || !level.public_can_apply) return reply.callNotFound();
    const memberFields = await fields.list();
    if (request.user) {
      // Logged in: apply with this account (no membership, or one not approved or ended), or see why not.
      const state = await membership.applyState(request.user.id);
      if (!state.canApply) return reply.page({ title: applicationTitle(level), body: <v.LiveMembershipNotice message={liveMembershipMessage(state.membership)} /> });
      const mine = await membership.applicationValues(request.user.id, state.membership);
      const values = { name: mine.name, ...mine.details, ...fieldFormValues(memberFields, mine.stored) };
      return reply.page({
        title: applicationTitle(level),
        body: <v.ApplicationForm level={level} csrf={reply.csrfToken()} values={values} fields={memberFields} account={{ email: request.user.email }} />,
      });
    }
    warmPasswordCheck();
    return reply.page({ title: applicationTitle(level), body: <v.ApplicationForm level={level} csrf={reply.csrfToken()} values={{}} fields={memberFields} /> });
  });

  app.post<{ Params: { id: string } }>('/join/:id', async (request, reply) => {
    const level = await findById(request.params.id, membership.getLevel);
    if (!level || !level.public_can_apply) return reply.callNotFound();
    const memberFields = await fields.list();
    const user = request.user;
    if (user) {
      const state = await membership.applyState(user.id);
      if (!state.canApply) {
        return reply.page({ status: 409, title: applicationTitle(level), body: <v.LiveMembershipNotice message={liveMembershipMessage(state.membership)} /> });
      }
      // Answers already on their record stay acceptable even if the board has since dropped that choice.
      const { stored } = await membership.applicationValues(user.id, state.membership);
      const custom = parseCustomFields(memberFields, request.body, stored);
      const form = parseForm(reapplicationInput, request.body);
      const result =
        form.ok && 'values' in custom
          ? await membership.applyAgain(user.id, level, form.data, custom.values)
          : refused({ ...(form.ok ? {} : form.errors), ...('errors' in custom ? custom.errors : {}) });
      if (!result.ok) {
        return reply.page({
          status: 422,
          title: applicationTitle(level),
          body: (
            <v.ApplicationForm
              level={level}
              csrf={reply.csrfToken()}
              values={formValues(request.body)}
              errors={result.errors}
              fields={memberFields}
              account={{ email: user.email }}
            />
          ),
        });
      }
      if (result.value.status === 'pending_verification')
        return reply.page({ title: 'Check your e-mail', body: <v.CheckYourEmail address={result.value.email} visitor={false} /> });
      reply.setFlash(
        'success',
        result.value.status === 'active' ? `Thank you: your ${level.name} membership is active.` : `Thank you: we have received your application for ${level.name} membership.`,
      );
      return reply.redirect('/account', 303);
    }
    const form = parseForm(applicationInput, request.body);
    const custom = parseCustomFields(memberFields, request.body);
    const result =
      form.ok && 'values' in custom
        ? await membership.apply(level, form.data, custom.values, { ip: request.ip })
        : refused({ ...(form.ok ? {} : form.errors), ...('errors' in custom ? custom.errors : {}) });
    if (!result.ok) {
      return reply.page({
        status: result.code === 'rate_limited' ? 429 : 422,
        title: applicationTitle(level),
        body: <v.ApplicationForm level={level} csrf={reply.csrfToken()} values={formValues(request.body)} errors={result.errors} fields={memberFields} />,
      });
    }
    return reply.page({ title: 'Check your e-mail', body: <v.CheckYourEmail address={form.ok ? form.data.email : ''} /> });
  });

  // A button, not the GET itself, confirms: mail scanners open links before people do.
  app.get<{ Params: { token: string } }>('/join/verify/:token', async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    return reply.page({ title: 'Confirm your e-mail address', body: <v.ConfirmEmailForm action={`/join/verify/${request.params.token}`} csrf={reply.csrfToken()} /> });
  });

  app.post<{ Params: { token: string } }>('/join/verify/:token', async (request, reply) => {
    const result = await membership.confirmEmail(request.params.token, { userAgent: request.headers['user-agent'], previousSession: request.sessionToken });
    if (!result.ok) {
      return reply.page({
        status: 410,
        title: 'This link no longer works',
        body: (
          <p>
            This link has expired or was already used. If you already confirmed your address, <a href="/login">log in</a> to see your membership.
          </p>
        ),
      });
    }
    if (result.value.sessionToken === null) {
      reply.setFlash('success', 'Thank you: your e-mail address is confirmed. Log in to see your membership.');
      return reply.redirect('/login?next=%2Faccount', 303);
    }
    reply.startSession(result.value.sessionToken);
    reply.setFlash('success', 'Thank you: your e-mail address is confirmed.');
    return reply.redirect('/account', 303);
  });

  app.post('/account/membership/invoice-me', async (request, reply) => {
    const result = await membership.emailInvoice(userOf(request).id);
    reply.setFlash(result.ok ? 'success' : 'error', result.ok ? `We have e-mailed your invoice to ${userOf(request).email}.` : (result.errors.form ?? 'No invoice to send.'));
    return reply.redirect('/account', 303);
  });

  // Admin: levels

  app.get('/admin/levels', async (_request, reply) => reply.page({ title: 'Membership levels', admin: true, body: <v.LevelList levels={await membership.listLevels()} /> }));

  app.get('/admin/levels/new', async (_request, reply) =>
    reply.page({
      title: 'New membership level',
      admin: true,
      body: <v.LevelForm action="/admin/levels" csrf={reply.csrfToken()} values={{ renewal_policy: 'anniversary', grace_days: '30', public_can_apply: 'on' }} />,
    }),
  );

  app.post('/admin/levels', async (request, reply) => {
    const form = parseForm(levelInput, request.body);
    const saved = form.ok ? await membership.saveLevel(null, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: 'New membership level',
        admin: true,
        body: <v.LevelForm action="/admin/levels" csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} />,
      });
    }
    reply.setFlash('success', 'The level was created.');
    return reply.redirect('/admin/levels', 303);
  });

  app.get<{ Params: { id: string } }>('/admin/levels/:id', async (request, reply) => {
    const level = await findById(request.params.id, membership.getLevel);
    if (!level) return reply.callNotFound();
    return reply.page({
      title: `Edit “${level.name}”`,
      admin: true,
      body: <v.LevelForm action={`/admin/levels/${level.id}`} csrf={reply.csrfToken()} values={v.levelValues(level)} />,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/levels/:id', async (request, reply) => {
    const level = await findById(request.params.id, membership.getLevel);
    if (!level) return reply.callNotFound();
    const form = parseForm(levelInput, request.body);
    const saved = form.ok ? await membership.saveLevel(level.id, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: `Edit “${level.name}”`,
        admin: true,
        body: <v.LevelForm action={`/admin/levels/${level.id}`} csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} />,
      });
    }
    reply.setFlash('success', 'The level was saved.');
    return reply.redirect('/admin/levels', 303);
  });

  // Admin: members and applications are in admin-routes.tsx: the list (/admin/members, its CSV) and a
  // member's page (/admin/members/:id) with everything admins do there, approving and rejecting included.
}
