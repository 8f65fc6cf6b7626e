import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeNext, userOf } from '#core/auth/guards.js';
import { parseForm } from '#core/http/forms.js';
import type { SiteState } from '#core/settings.js';
import type { Refused } from '#core/result.js';
import type { FieldErrors } from '#core/views/forms.js';
import type { AccountsService } from './service.js';
import { ALREADY_ON, codeInput, newCodesInput, setupInput, SIGN_IN_TTL_MS, turnOffInput, type Setup } from './two-factor.js';
import * as v from './two-factor-views.js';

/** The half-signed-in state between the password and the code: a single-use link, only sent to /login/…. */
const SIGN_IN_COOKIE = 'hw_2fa';

interface Deps {
  accounts: AccountsService;
  state: SiteState;
  secureCookies: boolean;
}

const cookieOptions = (secure: boolean) => ({ path: '/login', httpOnly: true, sameSite: 'lax' as const, secure });

/** Send the browser to the code step with a fresh half-signed-in link. */
export function toCodeStep(reply: FastifyReply, challenge: string, next: string, secure: boolean) {
  reply.setCookie(SIGN_IN_COOKIE, challenge, { ...cookieOptions(secure), maxAge: SIGN_IN_TTL_MS / 1000 });
  return reply.redirect(`/login/code${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
}

export async function twoFactorRoutes(app: FastifyInstance, { accounts, state, secureCookies }: Deps) {
  const twoFactor = accounts.twoFactor;

  const codePage = (reply: FastifyReply, next: string, errors?: FieldErrors, status = 200) =>
    reply.page({ status, title: 'Enter your code', body: <v.CodeForm csrf={reply.csrfToken()} next={next} errors={errors} /> });

  const startAgain = (reply: FastifyReply, next: string) => {
    reply.clearCookie(SIGN_IN_COOKIE, cookieOptions(secureCookies));
    reply.setFlash('info', 'The time to enter the code ran out (5 minutes). Log in again.');
    return reply.redirect(`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
  };

  app.get<{ Querystring: { next?: string } }>('/login/code', async (request, reply) => {
    const next = safeNext(request.query.next);
    if (!(await twoFactor.pendingSignIn(request.cookies[SIGN_IN_COOKIE]))) return startAgain(reply, next);
    return codePage(reply, next);
  });

  app.post<{ Querystring: { next?: string } }>('/login/code', async (request, reply) => {
    const next = safeNext(request.query.next);
    const form = parseForm(codeInput, request.body);
    if (!form.ok) {
      if (!(await twoFactor.pendingSignIn(request.cookies[SIGN_IN_COOKIE]))) return startAgain(reply, next);
      return codePage(reply, next, form.errors, 422);
    }
    const result = await twoFactor.finishSignIn(request.cookies[SIGN_IN_COOKIE], form.data.code, { userAgent: request.headers['user-agent'] });
    if (result.kind === 'expired') return startAgain(reply, next);
    if (result.kind === 'wrong') {
      return codePage(reply, next, { code: 'That code is not right, or it was already used. Enter the newest code from your app, or an unused recovery code.' }, 422);
    }
    if (result.kind === 'locked') {
      const when = result.minutes === 1 ? '1 minute' : `${result.minutes} minutes`;
      return codePage(reply, next, { code: `Too many wrong codes. For your security, codes are paused for this account: try again in ${when}.` }, 429);
    }
    reply.clearCookie(SIGN_IN_COOKIE, cookieOptions(secureCookies));
    // Logging in again (perhaps as someone else) ends the session this browser had.
    if (request.sessionToken) await accounts.logOut(request.sessionToken);
    reply.startSession(result.token);
    const left = result.recoveryLeft === 1 ? '1 recovery code remains' : `${result.recoveryLeft} recovery codes remain`;
    reply.setFlash(
      'success',
      result.recovery
        ? `Welcome, ${result.user.name}. You are logged in with a recovery code, which now no longer works: ${left}. Make new ones under My account → Two-factor sign-in.`
        : `Welcome, ${result.user.name}. You are logged in.`,
    );
    return reply.redirect(next !== '/' ? next : result.user.role === 'admin' ? '/admin' : '/account', 303);
  });

  // My account → Two-factor sign-in

  const accountPage = async (request: FastifyRequest, reply: FastifyReply, o: { setup?: Setup; refusal?: Refused; action?: string; code?: string } = {}) => {
    const user = userOf(request);
    const [status, required, settings] = await Promise.all([twoFactor.status(user.id), twoFactor.requiredForAdmins(), state.getSettings()]);
    const errors = o.refusal?.errors;
    const answer = !o.refusal ? 200 : o.refusal.code === 'rate_limited' ? 429 : 422;
    if (status.on) {
      return reply.page({
        status: answer,
        title: 'Two-factor sign-in',
        body: (
          <v.TwoFactorOn csrf={reply.csrfToken()} status={status} timeZone={settings.timeZone} required={required && user.role === 'admin'} errors={errors} action={o.action} />
        ),
      });
    }
    const setup = o.setup ?? (await twoFactor.setup(user))!;
    return reply.page({
      status: answer,
      title: 'Set up two-factor sign-in',
      body: (
        <>
          {required && user.role === 'admin' ? (
            <div class="flash info" role="status">
              <p>This site requires two-factor sign-in for every administrator. Set it up to use the admin area.</p>
            </div>
          ) : null}
          <v.SetupForm csrf={reply.csrfToken()} setup={setup} errors={errors} code={o.code} />
        </>
      ),
    });
  };

  app.get('/account/two-factor', async (request, reply) => accountPage(request, reply));

  app.post('/account/two-factor', async (request, reply) => {
    const user = userOf(request);
    const form = parseForm(setupInput, request.body);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const sealed = typeof body.sealed === 'string' && body.sealed.length <= 500 ? body.sealed : undefined;
    const result = form.ok ? await twoFactor.enable(user, form.data, request.sessionId ?? undefined) : form;
    if (!result.ok) {
      // A second click while the first turned it on: it is on, which is what was asked.
      if (result.code === 'already_done') {
        reply.setFlash('info', ALREADY_ON);
        return reply.redirect('/account/two-factor', 303);
      }
      const code = typeof body.code === 'string' && body.code.length <= 10 ? body.code : undefined;
      // The same secret again, so a person who already scanned it only types the newer code.
      const setup = (sealed ? await twoFactor.setup(user, sealed) : undefined) ?? (await twoFactor.setup(user))!;
      return accountPage(request, reply, { setup, refusal: result, code });
    }
    return reply.page({ title: 'Two-factor sign-in', body: <v.RecoveryCodes codes={result.value} fresh /> });
  });

  app.post('/account/two-factor/recovery-codes', async (request, reply) => {
    const form = parseForm(newCodesInput, request.body);
    const result = form.ok ? await twoFactor.newRecoveryCodes(userOf(request), form.data.confirmCodes) : form;
    if (!result.ok) return accountPage(request, reply, { refusal: result, action: 'codes' });
    return reply.page({ title: 'Two-factor sign-in', body: <v.RecoveryCodes codes={result.value} fresh={false} /> });
  });

  app.post('/account/two-factor/off', async (request, reply) => {
    const form = parseForm(turnOffInput, request.body);
    const result = form.ok ? await twoFactor.disable(userOf(request), form.data.confirmOff) : form;
    if (!result.ok) return accountPage(request, reply, { refusal: result, action: 'off' });
    reply.setFlash('success', 'Two-factor sign-in is off: logging in now asks only for your password.');
    return reply.redirect('/account/two-factor', 303);
  });
}
