import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionUser } from './sessions.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the composition root: whether this admin must set up two-factor sign-in before using the admin area. */
    adminMustSetUpTwoFactor?: (user: SessionUser) => Promise<boolean>;
  }
}

export type Role = 'admin' | 'member';

/**
 * Where to go after logging in: only a path on this site, never another host. Only printable
 * ASCII: browsers drop tabs and newlines from a Location ("/\t/evil.example" would lead to
 * evil.example), and other characters cannot go in a header at all. The site's own paths arrive
 * percent-encoded, so they pass.
 */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

/**
 * The signed-in user of a request on a guarded route: every route under /account and /admin is
 * (core/http/areas.ts), so its handler reads the user here, typed, instead of `userOf(request)`.
 * On a route nobody guarded it throws: a programming error, answered with a 500, never a page
 * shown to a visitor as if they were someone.
 */
export function userOf(request: FastifyRequest): SessionUser {
  if (!request.user)
    throw new Error(`userOf: ${request.method} ${request.routeOptions.url ?? request.url} has no signed-in user; only routes under /account and /admin are guarded`);
  return request.user;
}

/** The signed-in user's session id (the sessions table's id), on a guarded route, as `userOf`. */
export function sessionIdOf(request: FastifyRequest): string {
  userOf(request);
  if (!request.sessionId) throw new Error('sessionIdOf: a signed-in request without a session id');
  return request.sessionId;
}

/**
 * A preHandler that lets a request through only for a signed-in user with the role (admins may
 * do what members may). A visitor is sent to log in and brought back afterwards. Routes do not
 * use it themselves: core/http/areas.ts puts it before every route under /admin and /account.
 */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const user = request.user;
    if (!user) {
      if (request.method === 'GET' || request.method === 'HEAD') {
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      }
      return reply.page({
        status: 401,
        title: 'Please log in',
        body: (
          <p>
            Your session has ended. <a href="/login">Log in</a> and try again.
          </p>
        ),
      });
    }
    if (role === 'admin' && user.role !== 'admin') {
      return reply.page({
        status: 403,
        title: 'Not allowed',
        body: (
          <p>
            This part of the site is for the association's administrators. <a href="/">Go to the home page</a>.
          </p>
        ),
      });
    }
    if (role === 'admin' && (await request.server.adminMustSetUpTwoFactor?.(user))) {
      if (request.method === 'GET' || request.method === 'HEAD') {
        return reply.redirect('/account/two-factor', 303);
      }
      return reply.page({
        status: 403,
        title: 'Two-factor sign-in required',
        body: (
          <p>
            This site requires two-factor sign-in for administrators. <a href="/account/two-factor">Set it up</a>, then try again.
          </p>
        ),
      });
    }
  };
}

/**
 * Members-only content: a signed-in user whose membership is active (or an admin). A visitor is
 * sent to log in; a user without an active membership is told how to renew.
 */
export async function requireMemberAccess(request: FastifyRequest, reply: FastifyReply) {
  if (!request.user) return requireRole('member')(request, reply);
  if (await request.hasMemberAccess()) return;
  return reply.page({ status: 403, title: 'For members', body: <MembershipNeeded /> });
}

export function MembershipNeeded() {
  return (
    <p>
      This page is for members of the association, and your membership is not active. See <a href="/account">your account</a> to pay or renew, or{' '}
      <a href="/join">become a member</a>.
    </p>
  );
}
