import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** The only reader of the environment. Every setting is optional; see the README's table. */
const port = z.coerce
  .number({ error: 'must be a whole number between 1 and 65535' })
  .int('must be a whole number between 1 and 65535')
  .min(1, 'must be a whole number between 1 and 65535')
  .max(65535, 'must be a whole number between 1 and 65535');

const seconds = z.coerce
  .number({ error: 'must be a whole number of seconds, at least 1' })
  .int('must be a whole number of seconds, at least 1')
  .min(1, 'must be a whole number of seconds, at least 1');

const url = (protocols: string[], example: string) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL such as ${example}`);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  BASE_URL: url(['http:', 'https:'], 'https://www.example.org').optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:', 'sqlite:', 'file:'], 'postgres://user@localhost/headworks').optional(),
  SMTP_URL: url(['smtp:', 'smtps:'], 'smtp://user:password@mail.example.org:587').optional(),
  MAIL_FROM: z.string().min(3, 'must be an address such as "CIPCA <no-reply@example.org>"').optional(),
  ADMIN_EMAIL: z.email('must be an e-mail address').optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_REQUESTS: z.enum(['true', 'false']).default('false'),
  TRUST_PROXY: z
    .string()
    .refine(
      (v) => trustProxy(v) !== undefined,
      'must be false, the number of proxies in front of Headworks (such as 1), or their addresses separated by commas (such as 10.0.0.2,10.0.1.0/24)',
    )
    .default('false'),
  // How long a client may take to send a request's headers, and the whole request (with its
  // body), and how long an idle kept-alive connection stays open. Defaults suit a proxy in front.
  HEADERS_TIMEOUT_SECONDS: seconds.default(30),
  REQUEST_TIMEOUT_SECONDS: seconds.default(120),
  KEEP_ALIVE_TIMEOUT_SECONDS: seconds.default(72),
  JOBS_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds, at least 1' })
    .int('must be a whole number of seconds, at least 1')
    .min(1, 'must be a whole number of seconds, at least 1')
    .default(60),
  // Card payments through Stripe Checkout, and automatic renewal: both keys, or neither (then no
  // "Pay online" and no automatic renewal). STRIPE_API_BASE points the client at another server
  // (a local stand-in for Stripe in tests and offline development).
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret key such as sk_live_… or sk_test_…')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_+/=]+$/, "must be the webhook endpoint's signing secret, whsec_…")
    .optional(),
  STRIPE_API_BASE: url(['http:', 'https:'], 'http://127.0.0.1:12111').optional(),
});

/** Address names proxy-addr (Fastify's trustProxy) knows, for proxies on the same machine or network. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function proxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = net.isIP(address ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Which hops of X-Forwarded-For to trust: none, the last N (the proxies in front of the site), or
 * those from these addresses. The client writes the left-most entries itself, so trusting them all
 * would let it choose the address the log-in limit counts; `true` therefore means one proxy.
 */
function trustProxy(value: string): Config['trustProxy'] | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '0') return false;
  if (v === 'true') return 1;
  if (/^\d+$/.test(v)) return Number(v) <= 10 ? Number(v) : undefined;
  const entries = v.split(',').map((e) => e.trim());
  return entries.every(proxyAddress) ? entries : undefined;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };
  smtpUrl?: string;
  mailFrom: string;
  admin?: { email: string; password: string };
  logLevel: string;
  logRequests: boolean;
  /** false, a number of proxy hops, or the proxies' addresses (CIDR ranges allowed). */
  trustProxy: false | number | string[];
  jobsIntervalMs: number;
  /** Limits on slow clients, in milliseconds (see core/http/http.tsx). */
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  /** Cookies get the Secure flag when the site is served over https. */
  secureCookies: boolean;
  /** Set when both Stripe keys are; `api` only when STRIPE_API_BASE points elsewhere. */
  stripe?: { secretKey: string; webhookSecret: string; api?: { host: string; port: number; protocol: 'http' | 'https' } };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Headworks cannot start, a setting is wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The value given, for an error message: never a password (ADMIN_PASSWORD, or one inside a URL). */
function shown(key: string, value: string | undefined): string {
  if (key === 'ADMIN_PASSWORD' || key === 'STRIPE_SECRET_KEY' || key === 'STRIPE_WEBHOOK_SECRET') return '';
  return ` (got "${String(value).replace(/\/\/([^/@:]*):[^@]*@/, '//$1:***@')}")`;
}

function stripeApi(base: string | undefined): NonNullable<Config['stripe']>['api'] {
  if (!base) return undefined;
  const u = new URL(base);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: Number(u.port) || (protocol === 'http' ? 80 : 443), protocol };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables are treated as unset, as people write `FOO=` in .env files.
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}${shown(String(i.path[0]), input[String(i.path[0])])}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together (or neither)');
  }
  if ((e.STRIPE_SECRET_KEY === undefined) !== (e.STRIPE_WEBHOOK_SECRET === undefined)) {
    problems.push('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together (or neither)');
  }
  if (e.HEADERS_TIMEOUT_SECONDS > e.REQUEST_TIMEOUT_SECONDS) {
    problems.push('HEADERS_TIMEOUT_SECONDS must not be more than REQUEST_TIMEOUT_SECONDS (the headers are part of the request)');
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  let database: Config['database'] = { kind: 'sqlite', file: path.join(dataDir, 'headworks.sqlite') };
  if (e.DATABASE_URL) {
    const u = new URL(e.DATABASE_URL);
    database =
      u.protocol === 'postgres:' || u.protocol === 'postgresql:'
        ? { kind: 'postgres', url: e.DATABASE_URL }
        : { kind: 'sqlite', file: path.resolve(decodeURIComponent(u.pathname)) };
  }
  const host = new URL(baseUrl).hostname;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    baseUrl,
    dataDir,
    database,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `Headworks <no-reply@${host === 'localhost' ? 'localhost.localdomain' : host}>`,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD } : undefined,
    logLevel: e.LOG_LEVEL,
    logRequests: e.LOG_REQUESTS === 'true',
    trustProxy: trustProxy(e.TRUST_PROXY)!,
    jobsIntervalMs: e.JOBS_INTERVAL_SECONDS * 1000,
    timeouts: { headersMs: e.HEADERS_TIMEOUT_SECONDS * 1000, requestMs: e.REQUEST_TIMEOUT_SECONDS * 1000, keepAliveMs: e.KEEP_ALIVE_TIMEOUT_SECONDS * 1000 },
    secureCookies: baseUrl.startsWith('https:'),
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, api: stripeApi(e.STRIPE_API_BASE) } : undefined,
  };
}
