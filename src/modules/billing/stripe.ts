import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { Config } from '#src/config.js';
import { STRIPE } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import type { Events } from '#core/events/index.js';
import { parseId } from '#core/http/params.js';
import type { Mailer } from '#core/mail/index.js';
import { formatMoney } from '#core/money.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import { cardPaymentRefundedMail } from './emails.js';
import type { BillingService, PaymentOutcome } from './service.js';
import * as q from './stripe-queries.js';

/** How old a signed webhook may be (Stripe's own default): a replayed old request is refused. */
const WEBHOOK_TOLERANCE_SECONDS = 300;
/**
 * How far ahead of our clock a signature may be dated (clocks differ a little). Stripe's check
 * refuses only old signatures; one dated later would stay replayable until long after it was sent.
 */
const WEBHOOK_CLOCK_SKEW_SECONDS = 300;
/** Requests with the same content within this window reuse one Checkout session (a double click). */
const CHECKOUT_REUSE_MS = 10 * 60_000;

export interface SavedCard {
  customerId: string;
  paymentMethodId: string;
  /** "Visa ending 4242" */
  label: string;
}

export type WebhookResult =
  /** Not from Stripe (no signature, a wrong one, or too old): answered 400. */
  | { ok: false; error: 'signature' }
  /** Stripe's API failed us while acting on the event: answered 503, so Stripe sends it again later. */
  | { ok: false; error: 'try again'; detail: string }
  | { ok: true; outcome: 'ignored' | 'paid' | 'already recorded' | 'card saved' | 'card already saved' | 'refunded' | 'already refunded'; detail?: string }
  | { ok: true; outcome: 'refused'; detail: string };

export type ChargeResult =
  { kind: 'paid'; paymentIntentId: string; payment: Outcome<PaymentOutcome> } | { kind: 'declined'; message: string; paymentIntentId: string | null } | { kind: 'no card' };

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

const cardLabel = (card: { brand?: string | null; last4?: string | null } | null | undefined) =>
  card?.last4 ? `${BRANDS[card.brand ?? ''] ?? 'Card'} ending ${card.last4}` : 'Saved card';

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : (value?.id ?? null));

/**
 * Card payments through Stripe: Checkout for an invoice ("Pay online"), Checkout in setup mode to
 * save a card for automatic renewal, charges of a saved card, and the webhook that tells us what
 * happened. Payments are recorded through billing with Stripe's id as the external id, so a
 * repeated or late event changes nothing.
 */
export class StripePayments {
  /** The Stripe client, made on first use: the package is large and most requests never need it. */
  private client: Promise<Stripe> | undefined;
  private log: Pick<FastifyBaseLogger, 'error' | 'warn' | 'info'> | undefined;

  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private billing: BillingService,
    private mailer: Mailer,
    private events: Events,
    private options: NonNullable<Config['stripe']> & { baseUrl: string },
  ) {}

  private stripe(): Promise<Stripe> {
    const options = this.options;
    this.client ??= import('stripe').then(
      ({ default: StripeClient }) =>
        new StripeClient(options.secretKey, {
          ...(options.api ?? {}),
          telemetry: false,
          maxNetworkRetries: 1,
          timeout: 30_000,
        }),
    );
    return this.client;
  }

  setLogger(log: Pick<FastifyBaseLogger, 'error' | 'warn' | 'info'>) {
    this.log = log;
  }

  private link = (path: string) => `${this.options.baseUrl}${path}`;

  /** One key per request content (and per few minutes), so a double click opens one session. */
  private idempotencyKey(prefix: string, params: unknown) {
    const bucket = Math.floor(this.clock.now().getTime() / CHECKOUT_REUSE_MS);
    return `${prefix}-${crypto.createHash('sha256').update(JSON.stringify(params)).update(String(bucket)).digest('hex').slice(0, 32)}`;
  }

  private unreachable(err: unknown, what: string) {
    this.log?.warn({ err }, `Stripe: ${what} failed`);
    return refused<never>({ form: 'We could not reach our card processor just now. Please try again in a few minutes, or pay by check or bank transfer.' });
  }

  /**
   * A Checkout session for what is still owed on one of the member's invoices. Undefined when the
   * invoice is not theirs (the route answers 404).
   */
  async payInvoice(userId: number, invoiceId: number): Promise<Outcome<{ url: string }> | undefined> {
    const invoice = await this.billing.get(invoiceId);
    if (!invoice || invoice.user_id !== userId) return undefined;
    if (invoice.status !== 'unpaid' || invoice.balanceCents <= 0) return refused({ form: `Invoice ${invoice.number} has nothing left to pay.` });
    const settings = await this.state.getSettings();
    const metadata = { invoice_id: String(invoice.id) };
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      allowed_payment_method_types: ['card'],
      customer_email: invoice.user_email,
      client_reference_id: String(invoice.id),
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: invoice.balanceCents, product_data: { name: `${settings.shortName} invoice ${invoice.number}` } } }],
      metadata,
      // On the payment too, so its own event (payment_intent.succeeded) can be matched to the invoice.
      payment_intent_data: { metadata, description: `${settings.shortName} invoice ${invoice.number}` },
      success_url: this.link('/account'),
      cancel_url: this.link('/account'),
    };
    try {
      const session = await (await this.stripe()).checkout.sessions.create(params, { idempotencyKey: this.idempotencyKey('checkout', params) });
      if (!session.url) throw new Error(`Checkout session ${session.id} has no url`);
      return ok({ url: session.url });
    } catch (err) {
      return this.unreachable(err, 'starting Checkout');
    }
  }

  /** A Checkout session in setup mode: the member enters a card, Stripe keeps it for renewals. */
  async startCardSetup(user: { id: number; email: string; name: string }, options: { turnOnAutoRenew: boolean }): Promise<Outcome<{ url: string }>> {
    try {
      const customer = await this.ensureCustomer(user);
      const metadata = { user_id: String(user.id), auto_renew: options.turnOnAutoRenew ? '1' : '0' };
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: 'setup',
        allowed_payment_method_types: ['card'],
        currency: 'usd',
        customer,
        client_reference_id: String(user.id),
        metadata,
        setup_intent_data: { metadata },
        success_url: this.link('/account'),
        cancel_url: this.link('/account'),
      };
      const session = await (await this.stripe()).checkout.sessions.create(params, { idempotencyKey: this.idempotencyKey('setup', params) });
      if (!session.url) throw new Error(`Checkout session ${session.id} has no url`);
      return ok({ url: session.url });
    } catch (err) {
      return this.unreachable(err, 'starting card setup');
    }
  }

  private async ensureCustomer(user: { id: number; email: string; name: string }): Promise<string> {
    const known = await q.findCustomer(this.db, user.id);
    if (known) return known.customer_id;
    const params = { email: user.email, name: user.name, metadata: { user_id: String(user.id) } };
    const customer = await (await this.stripe()).customers.create(params, { idempotencyKey: this.idempotencyKey(`customer-${user.id}`, params) });
    await q.insertCustomer(this.db, { user_id: user.id, customer_id: customer.id, now: iso(this.clock.now()) });
    return (await q.findCustomer(this.db, user.id))!.customer_id;
  }

  async savedCard(userId: number): Promise<SavedCard | null> {
    const row = await q.findCustomer(this.db, userId);
    return row?.payment_method_id ? { customerId: row.customer_id, paymentMethodId: row.payment_method_id, label: row.card_label } : null;
  }

  /**
   * Charge the member's saved card, without them present, for an invoice; the payment is recorded
   * by the PaymentIntent's id. The same `idempotencyKey` never charges twice (Stripe keeps keys
   * for at least a day), and the payment's own webhook event records it too if we crash first.
   */
  async chargeSavedCard(input: { userId: number; invoiceId: number; amountCents: number; description: string; idempotencyKey: string; reference: string }): Promise<ChargeResult> {
    const card = await this.savedCard(input.userId);
    if (!card) return { kind: 'no card' };
    let intent: Stripe.PaymentIntent;
    try {
      intent = await (
        await this.stripe()
      ).paymentIntents.create(
        {
          amount: input.amountCents,
          currency: 'usd',
          customer: card.customerId,
          payment_method: card.paymentMethodId,
          off_session: true,
          confirm: true,
          description: input.description,
          metadata: { invoice_id: String(input.invoiceId) },
        },
        { idempotencyKey: input.idempotencyKey },
      );
    } catch (err) {
      const e = err as { type?: string; message?: string; payment_intent?: { id: string } };
      if (e.type === 'StripeCardError') return { kind: 'declined', message: e.message ?? 'The card was declined.', paymentIntentId: e.payment_intent?.id ?? null };
      throw err;
    }
    if (intent.status !== 'succeeded') {
      return { kind: 'declined', message: 'The bank asked for the cardholder to confirm the payment.', paymentIntentId: intent.id };
    }
    const payment = await this.billing.recordPayment(input.invoiceId, {
      method: 'card',
      amountCents: intent.amount_received || intent.amount,
      reference: input.reference,
      externalId: intent.id,
      actorUserId: null,
      by: STRIPE,
    });
    return { kind: 'paid', paymentIntentId: intent.id, payment };
  }

  /**
   * A webhook from Stripe: the signature (over the raw bytes, with a recent timestamp) proves it
   * came from Stripe; `{ ok: false, error: 'signature' }` when it does not. Every effect is
   * idempotent: the same event twice, or events out of order, change nothing the second time.
   * `{ ok: false, error: 'try again' }` when a call to Stripe failed: Stripe should send it again.
   */
  async handleWebhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookResult> {
    if (!signature) return { ok: false, error: 'signature' };
    // Every timestamp in the header, not only the first: Stripe's library reads the last one, so a
    // second `t=` must not slip a future-dated signature past this check.
    const stamps = signature.split(',').flatMap((part) => {
      const [key, value] = part.trim().split('=', 2);
      return key === 't' ? [Number(value)] : [];
    });
    const latest = this.clock.now().getTime() / 1000 + WEBHOOK_CLOCK_SKEW_SECONDS;
    if (stamps.length !== 1 || !stamps.every((t) => Number.isFinite(t) && t <= latest)) return { ok: false, error: 'signature' };
    let event: Stripe.Event;
    try {
      event = (await this.stripe()).webhooks.constructEvent(rawBody, signature, this.options.webhookSecret, WEBHOOK_TOLERANCE_SECONDS, undefined, this.clock.now().getTime());
    } catch {
      return { ok: false, error: 'signature' };
    }
    // Signed by Stripe but not the shape we know (an API version change): acknowledged, not acted on.
    if (typeof event.data?.object !== 'object' || event.data.object === null) return { ok: true, outcome: 'ignored' };
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        return this.sessionCompleted(event.data.object);
      case 'payment_intent.succeeded': {
        const intent = event.data.object;
        const invoiceId = parseId(intent.metadata?.invoice_id);
        if (invoiceId === null || intent.currency !== 'usd') return { ok: true, outcome: 'ignored' };
        return this.recordCardPayment(invoiceId, intent.amount_received, intent.id, 'Stripe');
      }
      default:
        return { ok: true, outcome: 'ignored' };
    }
  }

  private async sessionCompleted(session: Stripe.Checkout.Session): Promise<WebhookResult> {
    if (session.mode === 'payment') {
      const invoiceId = parseId(session.metadata?.invoice_id);
      // Not paid yet (a delayed method): its async_payment_succeeded event will come.
      if (invoiceId === null || session.payment_status !== 'paid' || session.currency !== 'usd' || !session.amount_total) return { ok: true, outcome: 'ignored' };
      return this.recordCardPayment(invoiceId, session.amount_total, idOf(session.payment_intent) ?? session.id, 'Stripe');
    }
    if (session.mode === 'setup') return this.cardSetUp(session);
    return { ok: true, outcome: 'ignored' };
  }

  private async recordCardPayment(invoiceId: number, amountCents: number, externalId: string, reference: string): Promise<WebhookResult> {
    const result = await this.billing.recordPayment(invoiceId, { method: 'card', amountCents, reference, externalId, actorUserId: null, by: STRIPE });
    if (result.ok) return { ok: true, outcome: result.value.alreadyRecorded ? 'already recorded' : 'paid' };
    // Money Stripe took that the invoice can no longer take (paid another way, e.g. a second
    // Checkout or a check, refunded, or voided): it goes back to the card by itself.
    if (externalId.startsWith('pi_')) {
      const unwanted = await this.billing.paymentToReturn(invoiceId, externalId);
      if (unwanted) return this.refundUnwanted(invoiceId, amountCents, externalId, unwanted.noted);
    }
    // Anything else (more than the balance of an unpaid invoice, an unknown invoice): acknowledged,
    // so Stripe stops resending, and logged for the treasurer to refund.
    const detail = `${externalId} for invoice id ${invoiceId}: ${Object.values(result.errors).join(' ')}`;
    this.log?.warn({ externalId, invoiceId, errors: result.errors }, 'Stripe payment not recorded: refund it from the Stripe dashboard');
    return { ok: true, outcome: 'refused', detail };
  }

  /**
   * Refund, in full, a card payment whose invoice is paid, refunded or void, note it in the
   * invoice's history and e-mail the member, once. The refund's idempotency key is the payment's,
   * so repeated deliveries (or two events for one payment) refund once; when the refund call
   * fails, nothing is written and the webhook answers 503, so Stripe sends the event again later.
   */
  private async refundUnwanted(invoiceId: number, amountCents: number, paymentIntentId: string, noted: boolean): Promise<WebhookResult> {
    if (noted) return { ok: true, outcome: 'already refunded' };
    let refund: Stripe.Refund | null;
    try {
      refund = await (
        await this.stripe()
      ).refunds.create({ payment_intent: paymentIntentId, metadata: { invoice_id: String(invoiceId) } }, { idempotencyKey: `refund-${paymentIntentId}` });
    } catch (err) {
      // Refunded before (from the dashboard, or by us longer ago than Stripe keeps idempotency keys).
      if ((err as { code?: string }).code === 'charge_already_refunded') refund = null;
      else {
        this.log?.error({ err, paymentIntentId, invoiceId }, 'Stripe: refunding a card payment the invoice could not take failed; Stripe will resend the event');
        return { ok: false, error: 'try again', detail: `refund of ${paymentIntentId} for invoice id ${invoiceId} failed` };
      }
    }
    const failed = refund?.status === 'failed' || refund?.status === 'canceled';
    const settings = await this.state.getSettings();
    const written = await this.billing.noteReturnedPayment(
      invoiceId,
      { externalId: paymentIntentId, amountCents, refund: refund && { id: refund.id, amountCents: refund.amount, failed } },
      async (trx, invoice) => {
        await this.mailer.queue(
          trx,
          await cardPaymentRefundedMail(trx, {
            to: invoice.user_email,
            name: invoice.user_name,
            site: settings.shortName,
            amount: formatMoney(amountCents),
            number: invoice.number,
            status: invoice.status,
            link: this.link('/account'),
            contact: settings.contactEmail,
          }),
        );
      },
    );
    if (!written) return { ok: true, outcome: 'already refunded' };
    if (failed) {
      this.log?.error({ paymentIntentId, invoiceId, refund: refund!.id }, 'Stripe: the automatic refund failed: refund it from the Stripe dashboard');
      return { ok: true, outcome: 'refused', detail: `${paymentIntentId} for invoice id ${invoiceId}: its refund ${refund!.id} failed` };
    }
    this.log?.info({ paymentIntentId, invoiceId, refund: refund?.id ?? null }, 'Stripe payment the invoice could not take was refunded');
    return { ok: true, outcome: 'refunded', detail: `${paymentIntentId} for invoice id ${invoiceId}: ${refund ? `refunded (${refund.id})` : 'already refunded in Stripe'}` };
  }

  private async cardSetUp(session: Stripe.Checkout.Session): Promise<WebhookResult> {
    const userId = parseId(session.metadata?.user_id);
    const customerId = idOf(session.customer);
    const setupIntentId = idOf(session.setup_intent);
    if (userId === null || !customerId || !setupIntentId || session.status !== 'complete') return { ok: true, outcome: 'ignored' };
    const known = await q.findCustomer(this.db, userId);
    if (!known || known.customer_id !== customerId) return { ok: true, outcome: 'ignored' };
    // Cheap checks first: this session was applied already, or a newer one saved a card since.
    if (known.card_session_id === session.id || (known.card_session_created ?? 0) > session.created) return { ok: true, outcome: 'card already saved' };
    const intent = await (await this.stripe()).setupIntents.retrieve(setupIntentId, { expand: ['payment_method'] });
    const method = intent.payment_method;
    const paymentMethodId = idOf(method);
    if (intent.status !== 'succeeded' || !paymentMethodId) return { ok: true, outcome: 'ignored' };
    const label = cardLabel(typeof method === 'object' ? method?.card : null);
    const saved = await this.db.transaction().execute(async (trx) => {
      const done = await q.saveCard(trx, {
        user_id: userId,
        customer_id: customerId,
        payment_method_id: paymentMethodId,
        card_label: label,
        session_id: session.id,
        session_created: session.created,
        now: iso(this.clock.now()),
      });
      // Membership turns automatic renewal on in this transaction (a `card.saved` handler).
      if (done) await this.events.emit(trx, 'card.saved', { userId, cardLabel: label, turnOnAutoRenew: session.metadata?.auto_renew === '1' });
      return done;
    });
    return { ok: true, outcome: saved ? 'card saved' : 'card already saved' };
  }
}
