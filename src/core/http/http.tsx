import crypto from 'node:crypto';
import type { ComponentChildren } from 'preact';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { Config } from '#src/config.js';
import type { Sessions, SessionUser } from '../auth/sessions.js';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../auth/sessions.js';
import type { Chrome, Flash, PageContext, PageOptions } from '../views/context.js';
import { Layout } from '../views/layout.js';
import { renderDocument } from '../views/render.js';
import { guardAreas } from './areas.js';
import { assetByUrl, assetUrl } from './assets.js';
import { ControlCharacterError, findControlCharacter, guardFields, hasControlCharacter, plainFieldsWithControlCharacters } from './input-guard.js';
import { HTTPS_HEADERS, SECURITY_HEADERS } from './security.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null;
    /** Hash of the session token (the sessions table's id), when signed in. */
    sessionId: string | null;
    sessionToken: string | null;
    flash: Flash | null;
    /** Whether the signed-in user may see members-only content now (admins always may). */
    hasMemberAccess(): Promise<boolean>;
  }
  interface FastifyReply {
    page(options: PageOptions): Promise<FastifyReply>;
    /** The page's HTML without sending it (for caches). */
    renderPage(options: PageOptions): Promise<string>;
    csrfToken(): string;
    setFlash(kind: Flash['kind'], message: string): FastifyReply;
    startSession(token: string): FastifyReply;
    endSession(): FastifyReply;
  }
  interface FastifyContextConfig {
    /** Set to false only for requests authenticated another way (e.g. signed webhooks). */
    csrf?: boolean;
  }
}

export interface HttpDeps {
  config: Config;
  cookieSecret: string;
  sessions: Sessions;
  /** The page frame; `members` is whether to include members-only menu entries. */
  chrome(members: boolean): Promise<Omit<Chrome, 'adminMenu'>>;
  /** The admin menu, built from the modules' manifests. */
  adminMenu: Chrome['adminMenu'];
  /** Whether a (non-admin) user's membership gives members-only access now. */
  memberAccess(user: SessionUser): Promise<boolean>;
}

const noSchemas = (): never => {
  throw new Error('Route schemas are not used in Headworks: parse input with zod (core/http/forms.ts).');
};

/** Trust the last `hops` addresses of X-Forwarded-For (the proxies in front of the site), never the client's own entries. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

const CSRF_COOKIE = 'hw_csrf';
const FLASH_COOKIE = 'hw_flash';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Set while the body is being read and parsed; cleared once it is: an error in between is the client's. */
const PARSING = Symbol('parsing');
type Parsing = { [PARSING]?: boolean };

function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
}
const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** The routes registered on an app made by createHttp, in the order they were added. */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return [...(registered.get(app) ?? [])];
}

/**
 * The app's HTTP frame: cookies, forms, DB-backed sessions, CSRF, flash messages, security
 * headers, fingerprinted assets, friendly error pages. Modules register their routes on it.
 */
export async function createHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: config.env === 'test' && !process.env.TEST_LOG ? false : { level: config.logLevel },
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    // A number of hops becomes a function: Fastify itself trusts no hop when given a number.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // A client that sends its headers or its body slowly, or stops half-way, gets a 408 and the
    // connection closed, instead of holding it forever (Fastify's default has no request limit).
    requestTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    http: {
      headersTimeout: config.timeouts.headersMs,
      // Node looks for expired requests only this often (30 s by default): a quarter of the
      // headers' limit, so a limit is kept to within a quarter of itself.
      connectionsCheckingInterval: Math.min(5000, Math.max(250, config.timeouts.headersMs / 4)),
    },
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Input is validated with zod in routes; Fastify's JSON-schema compilers (ajv) are not loaded.
    // A route that declares a schema fails at start instead of being silently unchecked.
    schemaController: { compilersFactory: { buildValidator: () => noSchemas, buildSerializer: () => noSchemas } },
  });

  // Every route the modules add, for tests that visit them all (test/bad-input-sweep.test.ts).
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // All of /admin needs an administrator and all of /account a signed-in user (core/http/areas.ts).
  app.addHook('onRoute', guardAreas);

  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(formbody);
  // The hard limit for any upload; each form checks its own, smaller limit so it can say so beside the field.
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 50 } });

  const securityHeaders = { ...SECURITY_HEADERS, ...(config.secureCookies ? HTTPS_HEADERS : {}) };
  const cookieBase = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies };
  // Every signed-in page carries the token: remembered per cookie value (at most a few thousand) rather than recomputed.
  const csrfTokens = new Map<string, string>();
  const csrfFor = (value: string) => {
    let token = csrfTokens.get(value);
    if (token === undefined) {
      token = crypto.createHmac('sha256', deps.cookieSecret).update(`csrf:${value}`).digest('base64url');
      // Only values of the size we issue are kept: a forged long cookie must not pin memory.
      if (value.length <= 64) {
        if (csrfTokens.size >= 5000) csrfTokens.clear();
        csrfTokens.set(value, token);
      }
    }
    return token;
  };

  app.decorateRequest('user', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('flash', null);
  const accessMemo = new WeakMap<FastifyRequest, Promise<boolean>>();
  app.decorateRequest('hasMemberAccess', function (this: FastifyRequest) {
    const user = this.user;
    if (!user) return Promise.resolve(false);
    if (user.role === 'admin') return Promise.resolve(true);
    let memo = accessMemo.get(this);
    if (!memo) accessMemo.set(this, (memo = deps.memberAccess(user)));
    return memo;
  });

  /**
   * A new CSRF cookie whenever a session starts or ends, so a form token taken before log-in
   * does not work after it (and one taken while logged in does not work after log-out).
   */
  const rotateCsrf = (reply: FastifyReply) => {
    const value = crypto.randomBytes(24).toString('base64url');
    reply.request.cookies[CSRF_COOKIE] = value;
    reply.setCookie(CSRF_COOKIE, value, cookieBase);
  };

  app.decorateReply('csrfToken', function (this: FastifyReply) {
    let value = this.request.cookies[CSRF_COOKIE];
    if (!value || value.length < 20) {
      value = crypto.randomBytes(24).toString('base64url');
      this.request.cookies[CSRF_COOKIE] = value;
      this.setCookie(CSRF_COOKIE, value, cookieBase);
    }
    return csrfFor(value);
  });

  app.decorateReply('setFlash', function (this: FastifyReply, kind: Flash['kind'], message: string) {
    return this.setCookie(FLASH_COOKIE, JSON.stringify({ kind, message }), { ...cookieBase, signed: true, maxAge: 60 });
  });

  app.decorateReply('startSession', function (this: FastifyReply, token: string) {
    rotateCsrf(this);
    return this.setCookie(SESSION_COOKIE, token, { ...cookieBase, maxAge: SESSION_TTL_MS / 1000 });
  });

  app.decorateReply('endSession', function (this: FastifyReply) {
    rotateCsrf(this);
    return this.clearCookie(SESSION_COOKIE, cookieBase);
  });

  app.decorateReply('renderPage', async function (this: FastifyReply, options: PageOptions) {
    const request = this.request;
    const ctx: PageContext = {
      chrome: { ...(await deps.chrome(await request.hasMemberAccess())), adminMenu: deps.adminMenu },
      user: request.user,
      // Anonymous pages carry no token unless a form asks for one, so they can be cached.
      csrf: request.user ? this.csrfToken() : '',
      path: request.url.split('?')[0] ?? '/',
      flash: request.flash,
    };
    return renderDocument(<Layout ctx={ctx} page={options} />);
  });

  app.decorateReply('page', async function (this: FastifyReply, options: PageOptions) {
    const html = await this.renderPage(options);
    if (this.request.user) this.header('cache-control', 'private, no-store');
    return this.code(options.status ?? 200)
      .type('text/html; charset=utf-8')
      .send(html);
  });

  const controlCharacterMessage = (field: string) => (
    <p>
      The form contained a character that cannot be stored (an invisible control character, often brought by copying and pasting) in{' '}
      {field === 'form' || field === '_csrf' ? 'one of its fields' : `the field "${field}"`}. Go back, type that text again instead of pasting it, and send the form again.
    </p>
  );
  const refuse = (reply: FastifyReply, what: ComponentChildren) => reply.page({ status: 400, title: 'That request could not be handled', body: what });

  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders);
    // Every route gets the address checked here, so no route can forget it (decision 0024).
    if (findControlCharacter(request.params, 'address') !== null || hasControlCharacter(decodedPath(request.url))) {
      return refuse(reply, <p>The address contained a character that cannot be used (an invisible control character). Check the link, or type the address again.</p>);
    }
    if (findControlCharacter(request.query, 'search') !== null) {
      return refuse(reply, <p>The search or the address contained a character that cannot be used (an invisible control character). Go back, type it again and send it again.</p>);
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const session = await deps.sessions.load(token);
      if (session) {
        request.user = session.user;
        request.sessionId = session.id;
        request.sessionToken = token;
      } else {
        // A session that ran out is only forgotten: the form this request may carry was made for
        // this browser and is judged as an anonymous one (rotating here would refuse it).
        reply.clearCookie(SESSION_COOKIE, cookieBase);
      }
    }
    const flash = request.cookies[FLASH_COOKIE];
    if (flash) {
      const unsigned = request.unsignCookie(flash);
      try {
        if (unsigned.valid && unsigned.value) request.flash = JSON.parse(unsigned.value) as Flash;
      } catch {
        /* a damaged flash cookie is just dropped */
      }
      reply.clearCookie(FLASH_COOKIE, cookieBase);
    }
  });

  // Whatever a signed-in person is sent may hold personal data or a secret link (a download, a
  // fragment, a redirect): no cache keeps it unless the route chose a cache policy itself.
  app.addHook('onSend', async (request, reply) => {
    if (request.user && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store');
  });

  app.addHook('preParsing', async (request) => {
    (request as Parsing)[PARSING] = true;
  });

  // After the multipart plugin's own preValidation hook, so its text fields are here too.
  app.addHook('preValidation', async (request, reply) => {
    (request as Parsing)[PARSING] = false;
    const body = request.body;
    const field = findControlCharacter(body, 'form');
    if (field === null) return;
    // A form's own fields go on to the form's schema, which refuses them beside the field and
    // keeps the rest of what was typed; any other reading of them throws (decision 0024).
    const isForm = request.isMultipart() || String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const fields = isForm && body && typeof body === 'object' && !Array.isArray(body) ? plainFieldsWithControlCharacters(body as Record<string, unknown>) : null;
    if (fields && fields.size > 0) {
      request.body = guardFields(body as Record<string, unknown>, fields);
      return;
    }
    return refuse(reply, controlCharacterMessage(field));
  });

  // As a preHandler, so a token in a form body has been parsed (see STACK-NOTES).
  app.addHook('preHandler', async (request, reply) => {
    // An unknown address changes nothing: it gets the friendly 404, not a "form expired" page.
    if (!UNSAFE.has(request.method) || request.routeOptions.config.csrf === false || request.is404) return;
    const cookieValue = request.cookies[CSRF_COOKIE];
    const body = request.body as Record<string, unknown> | undefined;
    const sent = (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? request.headers['x-csrf-token'];
    const expected = cookieValue ? Buffer.from(csrfFor(cookieValue)) : undefined;
    const given = typeof sent === 'string' ? Buffer.from(sent) : undefined;
    if (!expected || !given || expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      return reply.page({
        status: 403,
        title: 'This form has expired',
        body: <p>For your security, forms can only be sent from a page of this site that is still open in your browser. Go back, reload the page and send the form again.</p>,
      });
    }
  });

  app.get('/assets/*', async (request, reply) => {
    const asset = assetByUrl(request.url.split('?')[0] ?? '');
    if (!asset) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });

  app.get('/healthz', async () => ({ ok: true }));

  // Browsers ask for /favicon.ico whatever the page says; point them at the real icon.
  app.get('/favicon.ico', async (_request, reply) => reply.header('cache-control', 'public, max-age=86400').redirect(assetUrl('favicon.svg'), 301));

  app.setNotFoundHandler(async (request, reply) =>
    reply.page({
      status: 404,
      title: 'Page not found',
      body: (
        <>
          <p>We could not find a page at this address. It may have moved, or the link may have a typo.</p>
          <ul>
            <li>
              <a href="/">Go to the home page</a>
            </li>
            <li>
              <a href="/news">Read the latest news</a>
            </li>
          </ul>
        </>
      ),
    }),
  );

  app.setErrorHandler(async (error: { statusCode?: number; message?: string; code?: string }, request: FastifyRequest, reply: FastifyReply) => {
    // An error without a status thrown while the body was read or parsed (a multipart without a
    // boundary, a broken part, a body cut short) is the client's: 400. After that, a 500 as ever.
    const fromParsing = !error.statusCode && (request as Parsing)[PARSING] === true;
    const status = fromParsing ? 400 : error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      status === 413
        ? 'What you sent is too large. Try a smaller file.'
        : status === 415
          ? 'This address does not accept that kind of content.'
          : status < 500
            ? 'The request could not be understood. Go back and try again.'
            : 'Something went wrong on our side. Please try again in a moment; if it keeps happening, tell the association.';
    if (error instanceof ControlCharacterError) return refuse(reply, controlCharacterMessage(error.field));
    try {
      return await reply.page({ status, title: status < 500 ? 'That request could not be handled' : 'Something went wrong', body: <p>{message}</p> });
    } catch {
      return reply.code(status).type('text/plain; charset=utf-8').send(message);
    }
  });

  return app;
}
