import { actorOf } from '#core/audit/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { safeNext, sessionIdOf, userOf } from '#core/auth/guards.js';
import { warmPasswordCheck } from '#core/auth/passwords.js';
import { formValues, parseForm } from '#core/http/forms.js';
import type { FieldErrors } from '#core/views/forms.js';
import { parsePageNumber } from '#core/http/params.js';
import type { SiteState } from '#core/settings.js';
import { changePasswordInput, firstAdminInput, forgotInput, inviteInput, loginInput, resetInput, setupInput, type AccountsService } from './service.js';
import * as v from './views.js';
import { toCodeStep, twoFactorRoutes } from './two-factor-routes.js';

interface Deps {
  accounts: AccountsService;
  state: SiteState;
  /** Whether cookies are sent over https only (BASE_URL is https). */
  secureCookies: boolean;
  /** What other modules show on the account page (membership, invoices). */
  accountSections?: (request: FastifyRequest, reply: FastifyReply) => Promise<ComponentChildren>;
}

export async function accountRoutes(app: FastifyInstance, { accounts, state, secureCookies, accountSections }: Deps) {
  await twoFactorRoutes(app, { accounts, state, secureCookies });

  const loginPage = (reply: FastifyReply, next: string, values: Record<string, string> = {}, errors?: FieldErrors, status = 200) =>
    reply.page({ status, title: 'Log in', body: <v.LoginForm csrf={reply.csrfToken()} values={values} errors={errors} next={next} /> });

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.user) return reply.redirect(next === '/' ? '/account' : next, 303);
    return loginPage(reply, next);
  });

  app.post<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    const next = safeNext(request.query.next);
    const form = parseForm(loginInput, request.body);
    if (!form.ok) return loginPage(reply, next, form.values, form.errors, 422);
    const result = await accounts.logIn(form.data, { ip: request.ip, userAgent: request.headers['user-agent'] });
    const values = { email: form.data.email };
    if (result.kind === 'locked') {
      const when = result.minutes === 1 ? '1 minute' : `${result.minutes} minutes`;
      return loginPage(reply, next, values, { form: `Too many failed attempts. For your security, log-in is paused: try again in ${when}, or reset your password.` }, 429);
    }
    if (result.kind === 'wrong') {
      return loginPage(reply, next, values, { form: 'That e-mail address and password do not match an account. Check both and try again.' }, 422);
    }
    if (result.kind === 'code') return toCodeStep(reply, result.challenge, next, secureCookies);
    // Logging in again (perhaps as someone else) ends the session this browser had.
    if (request.sessionToken) await accounts.logOut(request.sessionToken);
    reply.startSession(result.token);
    reply.setFlash('success', `Welcome, ${result.user.name}. You are logged in.`);
    return reply.redirect(next !== '/' ? next : result.user.role === 'admin' ? '/admin' : '/account', 303);
  });

  app.post('/logout', async (request, reply) => {
    if (request.sessionToken) await accounts.logOut(request.sessionToken);
    reply.endSession();
    reply.setFlash('info', 'You are logged out.');
    return reply.redirect('/', 303);
  });

  app.get('/forgot-password', async (_request, reply) => reply.page({ title: 'Forgot your password?', body: <v.ForgotForm csrf={reply.csrfToken()} values={{}} /> }));

  app.post('/forgot-password', async (request, reply) => {
    const form = parseForm(forgotInput, request.body);
    if (!form.ok) {
      return reply.page({ status: 422, title: 'Forgot your password?', body: <v.ForgotForm csrf={reply.csrfToken()} values={form.values} errors={form.errors} /> });
    }
    await accounts.requestPasswordReset(form.data.email);
    return reply.page({ title: 'Check your e-mail', body: <v.ForgotSent address={form.data.email} /> });
  });

  for (const purpose of ['reset', 'setup'] as const) {
    const base = purpose === 'reset' ? '/reset-password' : '/setup';
    const title = purpose === 'reset' ? 'Choose a new password' : 'Set up your account';

    app.get<{ Params: { token: string } }>(`${base}/:token`, async (request, reply) => {
      const link = await accounts.findLink(request.params.token, purpose);
      reply.header('referrer-policy', 'no-referrer').header('cache-control', 'private, no-store');
      warmPasswordCheck();
      if (!link) return reply.page({ status: 410, title: 'This link no longer works', body: <v.LinkExpired purpose={purpose} /> });
      const action = `${base}/${request.params.token}`;
      const csrf = reply.csrfToken();
      return reply.page({
        title,
        body:
          purpose === 'reset' ? (
            <v.ResetForm csrf={csrf} action={action} email={link.email} />
          ) : (
            <v.SetupForm csrf={csrf} action={action} email={link.email} values={{ name: link.name }} />
          ),
      });
    });

    app.post<{ Params: { token: string } }>(`${base}/:token`, async (request, reply) => {
      const link = await accounts.findLink(request.params.token, purpose);
      if (!link) return reply.page({ status: 410, title: 'This link no longer works', body: <v.LinkExpired purpose={purpose} /> });
      const form = parseForm(purpose === 'reset' ? resetInput : link.first ? firstAdminInput : setupInput, request.body);
      const result = form.ok ? await accounts.useLink(request.params.token, purpose, form.data, { userAgent: request.headers['user-agent'] }) : form;
      if (!result.ok) {
        const action = `${base}/${request.params.token}`;
        const csrf = reply.csrfToken();
        return reply.page({
          status: 422,
          title,
          body:
            purpose === 'reset' ? (
              <v.ResetForm csrf={csrf} action={action} email={link.email} errors={result.errors} />
            ) : (
              <v.SetupForm csrf={csrf} action={action} email={link.email} values={formValues(request.body)} errors={result.errors} />
            ),
        });
      }
      if (result.value.challenge !== undefined) {
        reply.setFlash('success', 'Your new password is saved. Your account uses two-factor sign-in: enter your code to log in.');
        return toCodeStep(reply, result.value.challenge, '/', secureCookies);
      }
      if (request.sessionToken) await accounts.logOut(request.sessionToken);
      reply.startSession(result.value.token);
      reply.setFlash('success', purpose === 'reset' ? 'Your new password is saved and you are logged in.' : 'Welcome! Your account is ready.');
      return reply.redirect(result.value.user.role === 'admin' ? '/admin' : '/account', 303);
    });
  }

  app.get('/account', async (request, reply) =>
    reply.page({
      title: 'My account',
      body: (
        <>
          {accountSections ? await accountSections(request, reply) : null}
          <v.AccountPage user={userOf(request)} twoFactor={await accounts.twoFactor.isOn(userOf(request).id)} />
        </>
      ),
    }),
  );

  app.get('/account/password', async (_request, reply) => {
    warmPasswordCheck();
    return reply.page({ title: 'Change my password', body: <v.ChangePasswordForm csrf={reply.csrfToken()} /> });
  });

  app.post('/account/password', async (request, reply) => {
    const form = parseForm(changePasswordInput, request.body);
    const result = form.ok ? await accounts.changePassword(userOf(request), sessionIdOf(request), form.data.current, form.data.password) : form;
    if (!result.ok) {
      const status = result.code === 'rate_limited' ? 429 : 422;
      return reply.page({ status, title: 'Change my password', body: <v.ChangePasswordForm csrf={reply.csrfToken()} errors={result.errors} /> });
    }
    reply.setFlash('success', 'Your password was changed.');
    return reply.redirect('/account', 303);
  });

  // Admin: users

  app.get<{ Querystring: { page?: string } }>('/admin/users', async (request, reply) => {
    const page = parsePageNumber(request.query.page);
    const [{ users, pages }, settings] = await Promise.all([accounts.listUsers(page, 50), state.getSettings()]);
    const twoFactor = await accounts.twoFactor.whichOn(users.map((u) => u.id));
    return reply.page({
      title: 'Users',
      admin: true,
      body: <v.UserList users={users} page={Math.min(page, pages)} pages={pages} timeZone={settings.timeZone} twoFactor={twoFactor} />,
    });
  });

  app.get('/admin/users/invite', async (_request, reply) =>
    reply.page({ title: 'Invite an administrator', admin: true, body: <v.InviteForm csrf={reply.csrfToken()} values={{}} /> }),
  );

  app.post('/admin/users/invite', async (request, reply) => {
    const form = parseForm(inviteInput, request.body);
    const result = form.ok ? await accounts.inviteAdmin(userOf(request), form.data, actorOf(request)) : form;
    if (!result.ok) {
      return reply.page({
        status: 422,
        title: 'Invite an administrator',
        admin: true,
        body: <v.InviteForm csrf={reply.csrfToken()} values={formValues(request.body)} errors={result.errors} />,
      });
    }
    const address = form.ok ? form.data.email : '';
    reply.setFlash(
      'success',
      result.value === 'invited' ? `An invitation was sent to ${address}.` : `${address} already had an account and is now an administrator; they were told by e-mail.`,
    );
    return reply.redirect('/admin/users', 303);
  });
}
