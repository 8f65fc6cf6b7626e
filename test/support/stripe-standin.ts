import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/** Keys the stand-in accepts; any well-formed values would do. */
export const STRIPE_SECRET_KEY = 'sk_test_standin0000000000000000';
export const STRIPE_WEBHOOK_SECRET = 'whsec_standin0000000000000000000000';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- form-encoded Stripe parameters of any shape, read loosely by a test stand-in
type Params = Record<string, any>;

export interface ReceivedRequest {
  method: string;
  path: string;
  params: Params;
  idempotencyKey: string | undefined;
}

export interface StripeStandin {
  /** The settings that point a test site at this stand-in. */
  env: { STRIPE_SECRET_KEY: string; STRIPE_WEBHOOK_SECRET: string; STRIPE_API_BASE: string };
  requests: ReceivedRequest[];
  sessions: Map<string, Params>;
  paymentIntents: Map<string, Params>;
  /** Refunds made (POST /v1/refunds), by id. */
  refunds: Map<string, Params>;
  /** The customer finishes Checkout: the session completes (paid, or with a card saved). */
  complete(sessionId: string, card?: { brand: string; last4: string }): Params;
  /** The next off-session charge is declined by the bank. */
  declineNextCharge(message?: string): void;
  /**
   * The next `count` refund requests fail with a 503 as when Stripe is down: like a request that
   * never reached Stripe's API, the failure is not kept under its idempotency key.
   */
  failRefunds(count: number): void;
  close(): Promise<void>;
}

/** `a[b][0]=x` form fields, as the stripe package sends them, back into objects and arrays. */
function parseParams(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Params = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = node[part] ??= {};
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks a parsed form of any shape
  const arrays = (v: any): any => {
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    const out = Object.fromEntries(keys.map((k) => [k, arrays(v[k])]));
    return keys.length > 0 && keys.every((k, i) => k === String(i)) ? keys.map((k) => out[k]) : out;
  };
  return arrays(root);
}

/**
 * A local stand-in for the few Stripe API calls Headworks makes (Checkout sessions, customers,
 * setup intents, off-session payment intents, refunds), keeping what it received so tests can check it.
 * Idempotency keys behave as Stripe's do: a repeated key answers the first response again.
 */
export async function startStripeStandin(options: { now: () => Date }): Promise<StripeStandin> {
  const requests: ReceivedRequest[] = [];
  const sessions = new Map<string, Params>();
  const customers = new Map<string, Params>();
  const setupIntents = new Map<string, Params>();
  const paymentMethods = new Map<string, Params>();
  const paymentIntents = new Map<string, Params>();
  const refunds = new Map<string, Params>();
  const replies = new Map<string, { status: number; body: unknown }>();
  let counter = 0;
  let decline: string | null = null;
  let refundFailures = 0;
  const next = (prefix: string) => `${prefix}_test_${String(++counter).padStart(6, '0')}`;
  const created = () => Math.floor(options.now().getTime() / 1000);
  const notFound = { status: 404, body: { error: { type: 'invalid_request_error', message: 'No such object' } } };

  function answer(method: string, path: string, params: Params): { status: number; body: unknown } {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const id = next('cs');
      const amount = (params.line_items ?? []).reduce((sum: number, l: Params) => sum + Number(l.price_data?.unit_amount ?? 0) * Number(l.quantity ?? 1), 0);
      const setup = params.mode === 'setup';
      const session: Params = {
        id,
        object: 'checkout.session',
        mode: params.mode,
        status: 'open',
        payment_status: setup ? 'no_payment_required' : 'unpaid',
        amount_total: setup ? null : amount,
        currency: setup ? (params.currency ?? null) : (params.line_items?.[0]?.price_data?.currency ?? null),
        customer: params.customer ?? null,
        customer_email: params.customer_email ?? null,
        client_reference_id: params.client_reference_id ?? null,
        metadata: params.metadata ?? {},
        payment_intent: null,
        setup_intent: null,
        created: created(),
        success_url: params.success_url,
        cancel_url: params.cancel_url,
        // Where Stripe's own Checkout lives (the site's CSP lets forms go there).
        url: `https://checkout.stripe.com/c/pay/${id}`,
        livemode: false,
        _payment_intent_data: params.payment_intent_data ?? {},
      };
      if (setup) {
        const si = next('seti');
        setupIntents.set(si, {
          id: si,
          object: 'setup_intent',
          status: 'requires_payment_method',
          customer: session.customer,
          payment_method: null,
          metadata: params.setup_intent_data?.metadata ?? {},
        });
        session.setup_intent = si;
      }
      sessions.set(id, session);
      return { status: 200, body: publicSession(session) };
    }
    if (method === 'POST' && path === '/v1/customers') {
      const id = next('cus');
      const customer = { id, object: 'customer', email: params.email ?? null, name: params.name ?? null, metadata: params.metadata ?? {}, created: created() };
      customers.set(id, customer);
      return { status: 200, body: customer };
    }
    const setupIntent = /^\/v1\/setup_intents\/([\w]+)$/.exec(path);
    if (method === 'GET' && setupIntent) {
      const si = setupIntents.get(setupIntent[1]!);
      if (!si) return notFound;
      const expand = Object.values(params.expand ?? {}) as string[];
      return { status: 200, body: { ...si, payment_method: si.payment_method && expand.includes('payment_method') ? paymentMethods.get(si.payment_method) : si.payment_method } };
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const pm = paymentMethods.get(params.payment_method);
      if (!customers.has(params.customer) || !pm || pm.customer !== params.customer) {
        return { status: 400, body: { error: { type: 'invalid_request_error', message: 'No such PaymentMethod for this customer' } } };
      }
      const id = next('pi');
      const amount = Number(params.amount);
      if (decline !== null) {
        const message = decline;
        decline = null;
        const intent = { id, object: 'payment_intent', amount, amount_received: 0, currency: params.currency, status: 'requires_payment_method', metadata: params.metadata ?? {} };
        paymentIntents.set(id, intent);
        return { status: 402, body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message, payment_intent: intent } } };
      }
      const intent = {
        id,
        object: 'payment_intent',
        amount,
        amount_received: amount,
        currency: params.currency,
        status: 'succeeded',
        customer: params.customer,
        payment_method: params.payment_method,
        off_session: params.off_session === 'true',
        metadata: params.metadata ?? {},
        created: created(),
      };
      paymentIntents.set(id, intent);
      return { status: 200, body: intent };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = paymentIntents.get(params.payment_intent);
      if (!intent || intent.status !== 'succeeded') {
        return {
          status: 400,
          body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_intent', message: `No such payment_intent: '${params.payment_intent}'` } },
        };
      }
      const left = intent.amount_received - (intent._refunded ?? 0);
      if (left <= 0) {
        return { status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: `Charge for ${intent.id} has already been refunded.` } } };
      }
      const amount = params.amount === undefined ? left : Number(params.amount);
      const id = next('re');
      const refund = {
        id,
        object: 'refund',
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        reason: params.reason ?? null,
        status: 'succeeded',
        metadata: params.metadata ?? {},
        created: created(),
      };
      intent._refunded = (intent._refunded ?? 0) + amount;
      refunds.set(id, refund);
      return { status: 200, body: refund };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } } };
  }

  const publicSession = (s: Params) => {
    const { _payment_intent_data: _, ...rest } = s;
    return rest;
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const params = parseParams(req.method === 'GET' ? url.search.slice(1) : body);
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, params, idempotencyKey });
      let reply: { status: number; body: unknown };
      let headers: Record<string, string> = {};
      if (req.headers.authorization !== `Bearer ${STRIPE_SECRET_KEY}`) {
        reply = { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } };
      } else if (req.method === 'POST' && url.pathname === '/v1/refunds' && refundFailures > 0) {
        // Stripe down: not kept under the idempotency key, and the client is told not to retry at once.
        refundFailures--;
        reply = { status: 503, body: { error: { type: 'api_error', message: 'Stripe is unavailable (stand-in).' } } };
        headers = { 'stripe-should-retry': 'false' };
      } else if (idempotencyKey && replies.has(idempotencyKey)) {
        reply = replies.get(idempotencyKey)!;
      } else {
        reply = answer(req.method ?? '', url.pathname, params);
        if (idempotencyKey) replies.set(idempotencyKey, reply);
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': `req_${counter}`, ...headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    env: { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: `http://127.0.0.1:${port}` },
    requests,
    sessions,
    paymentIntents,
    refunds,
    complete(sessionId, card = { brand: 'visa', last4: '4242' }) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`No session ${sessionId}`);
      session.status = 'complete';
      if (session.mode === 'setup') {
        const pm = next('pm');
        paymentMethods.set(pm, {
          id: pm,
          object: 'payment_method',
          type: 'card',
          customer: session.customer,
          card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2030 },
        });
        Object.assign(setupIntents.get(session.setup_intent)!, { status: 'succeeded', payment_method: pm });
      } else {
        const pi = next('pi');
        paymentIntents.set(pi, {
          id: pi,
          object: 'payment_intent',
          amount: session.amount_total,
          amount_received: session.amount_total,
          currency: session.currency,
          status: 'succeeded',
          metadata: session._payment_intent_data.metadata ?? {},
          created: created(),
        });
        session.payment_status = 'paid';
        session.payment_intent = pi;
      }
      return structuredClone(publicSession(session));
    },
    declineNextCharge(message = 'Your card has insufficient funds.') {
      decline = message;
    },
    failRefunds(count) {
      refundFailures = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let eventCounter = 0;

/**
 * A webhook delivery as Stripe makes it: the event's JSON and its Stripe-Signature header, signed
 * with the package's own test helper (`timestamp` in Unix seconds; `secret` to sign wrongly).
 */
export function signedEvent(type: string, object: unknown, options: { timestamp: number; secret?: string; id?: string }) {
  const payload = JSON.stringify({
    id: options.id ?? `evt_test_${String(++eventCounter).padStart(6, '0')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: options.timestamp,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? STRIPE_WEBHOOK_SECRET, timestamp: options.timestamp });
  return { payload, signature };
}
