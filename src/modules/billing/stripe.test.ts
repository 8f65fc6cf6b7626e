import type { ParsedMail } from 'mailparser';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '#src/config.js';
import { DAY, HOUR } from '#core/clock.js';
import { Client, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { linkIn, startSmtp, type SmtpCatcher } from '#test/support/smtp.js';
import { signedEvent, startStripeStandin, type StripeStandin } from '#test/support/stripe-standin.js';
import * as kit from '#test/support/kit.js';

const PASSWORD = 'a long member password';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(() => smtp.close());

async function newSite(options: { stripe?: boolean; start?: string } = {}) {
  const clock = new TestClock(options.start ?? '2026-07-02T16:00:00.000Z');
  const standin = await startStripeStandin({ now: () => clock.now() });
  onTestFinished(() => standin.close());
  const site = await startTestSite({ env: { SMTP_URL: smtp.url, ...(options.stripe === false ? {} : standin.env) }, clock });
  onTestFinished(() => site.close());
  return { site, clock, standin };
}

async function mailFor(site: TestSite, address: string, since: number): Promise<ParsedMail[]> {
  return kit.mailFor(site, smtp, address, since);
}

/** An applicant for the Individual level ($50) who confirmed their e-mail: logged in, one unpaid invoice. */
async function applicant(site: TestSite, email = 'pat@example.org') {
  const browser = await kit.applyAndConfirm(site, smtp, 'Individual', email, { name: 'Pat Inspector', password: PASSWORD, confirm: PASSWORD, organization: 'City of Boulder' });
  const user = (await site.accounts.findUserByEmail(email))!;
  const invoice = (await site.billing.listForUser(user.id))[0]!;
  return { browser, user, invoice };
}

/** A member with an active membership (renewal date a year from now), logged in. */
async function member(site: TestSite, email = 'sam@example.org') {
  const userId = await site.addUser({ email, password: PASSWORD, name: 'Sam Sampler' });
  return { browser: await kit.logIn(site, { email, password: PASSWORD }), userId };
}

const deliver = (site: TestSite, e: { payload: string; signature?: string }, contentType = 'application/json') =>
  site.app.inject({
    method: 'POST',
    url: '/stripe/webhook',
    headers: { 'content-type': contentType, ...(e.signature ? { 'stripe-signature': e.signature } : {}) },
    payload: e.payload,
  });

const now = (clock: TestClock) => Math.floor(clock.now().getTime() / 1000);

async function paymentsOf(site: TestSite, invoiceId: number) {
  return (await site.billing.get(invoiceId))!.payments;
}

/** Press "Pay online by card" on the account page; answers the stand-in's session. */
async function payOnline(site: TestSite, browser: Client, standin: StripeStandin, invoiceId: number) {
  await browser.get('/account');
  const res = await browser.post(`/account/invoices/${invoiceId}/pay`, { _csrf: browser.csrf() });
  expect(res.status).toBe(303);
  const session = [...standin.sessions.values()].find((s) => s.url === res.location);
  expect(session, `a session at ${res.location}`).toBeDefined();
  return session!;
}

describe('paying an invoice online', () => {
  it('sends the member to Stripe Checkout for what the invoice still owes', async () => {
    const { site, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const account = visibleText((await browser.get('/account')).body);
    expect(account).toContain('Pay online by card');

    const session = await payOnline(site, browser, standin, invoice.id);
    const sent = standin.requests.filter((r) => r.path === '/v1/checkout/sessions');
    expect(sent).toHaveLength(1);
    const params = sent[0]!.params;
    expect(params.mode).toBe('payment');
    expect(params.line_items).toEqual([{ quantity: '1', price_data: { currency: 'usd', unit_amount: '5000', product_data: { name: 'CIPCA invoice 1' } } }]);
    expect(params.metadata).toEqual({ invoice_id: String(invoice.id) });
    expect(params.payment_intent_data.metadata).toEqual({ invoice_id: String(invoice.id) });
    expect(params.customer_email).toBe('pat@example.org');
    expect(params.success_url).toBe('http://localhost:3000/account');
    expect(params.cancel_url).toBe('http://localhost:3000/account');
    expect(session.amount_total).toBe(5000);

    // A second press (a double click) reuses the same session rather than opening another.
    await payOnline(site, browser, standin, invoice.id);
    expect(standin.sessions.size).toBe(1);
  });

  it('answers 404 for an invoice that is not the member’s, and says so when nothing is owed', async () => {
    const { site, standin } = await newSite();
    const pat = await applicant(site, 'pat@example.org');
    const lee = await applicant(site, 'lee@example.org');
    await lee.browser.get('/account');
    expect((await lee.browser.post(`/account/invoices/${pat.invoice.id}/pay`, { _csrf: lee.browser.csrf() })).status).toBe(404);
    expect((await lee.browser.post('/account/invoices/not-a-number/pay', { _csrf: lee.browser.csrf() })).status).toBe(404);
    expect((await lee.browser.post('/account/invoices/99999999999/pay', { _csrf: lee.browser.csrf() })).status).toBe(404);

    await site.billing.recordPayment(pat.invoice.id, { method: 'check', amountCents: 5000, reference: 'Check 1', actorUserId: null });
    await pat.browser.get('/account');
    const res = await pat.browser.post(`/account/invoices/${pat.invoice.id}/pay`, { _csrf: pat.browser.csrf() });
    expect(res.location).toBe('/account');
    expect(visibleText((await pat.browser.get('/account')).body)).toContain('Invoice 1 has nothing left to pay.');
    expect(standin.sessions.size).toBe(0);
  });

  it('records the payment from the signed webhook and activates the membership, once', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, user, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    const completed = standin.complete(session.id);

    const since = smtp.messages.length;
    const event = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) });
    const res = await deliver(site, event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: true, outcome: 'paid' });

    const paid = (await site.billing.get(invoice.id))!;
    expect(paid.status).toBe('paid');
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({ method: 'card', amount_cents: 5000, reference: 'Stripe', external_id: completed.payment_intent });
    const mine = (await site.membership.lifecycle.forUser(user.id))!;
    expect(mine.membership.status).toBe('active');
    expect(mine.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
    const mail = await mailFor(site, 'pat@example.org', since);
    expect(mail.map((m) => m.subject)).toEqual(['Welcome to CIPCA: your membership is active']);

    // Stripe delivers the same event again: nothing changes, no second e-mail.
    const events = (await site.membership.lifecycle.detail(mine.membership.id))!.events.length;
    const again = await deliver(site, event);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ outcome: 'already recorded' });
    // …and the payment's own event, which comes too.
    const intent = standin.paymentIntents.get(completed.payment_intent)!;
    expect((await deliver(site, signedEvent('payment_intent.succeeded', intent, { timestamp: now(clock) }))).json()).toMatchObject({ outcome: 'already recorded' });
    expect(await paymentsOf(site, invoice.id)).toHaveLength(1);
    expect((await site.membership.lifecycle.detail(mine.membership.id))!.events.length).toBe(events);
    expect((await site.membership.lifecycle.forUser(user.id))!.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
    expect(await mailFor(site, 'pat@example.org', since + mail.length)).toEqual([]);
  });

  it('takes events in any order: the later one first, then the earlier changes nothing', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, user, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    const completed = standin.complete(session.id);
    const intent = standin.paymentIntents.get(completed.payment_intent)!;

    const first = await deliver(site, signedEvent('payment_intent.succeeded', intent, { timestamp: now(clock) }));
    expect(first.json()).toMatchObject({ outcome: 'paid' });
    clock.advance(60_000);
    const second = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) - 30 }));
    expect(second.json()).toMatchObject({ outcome: 'already recorded' });
    // An expired-session event arriving late is not one we act on.
    expect((await deliver(site, signedEvent('checkout.session.expired', { ...completed, status: 'expired' }, { timestamp: now(clock) }))).json()).toMatchObject({
      outcome: 'ignored',
    });
    // Nor is a "completed but not paid yet" copy of the session (a delayed payment method).
    expect(
      (
        await deliver(
          site,
          signedEvent('checkout.session.completed', { ...completed, id: 'cs_other', payment_status: 'unpaid', payment_intent: 'pi_other' }, { timestamp: now(clock) }),
        )
      ).json(),
    ).toMatchObject({
      outcome: 'ignored',
    });

    expect(await paymentsOf(site, invoice.id)).toHaveLength(1);
    expect((await site.billing.get(invoice.id))!.status).toBe('paid');
    expect((await site.membership.lifecycle.forUser(user.id))!.membership.status).toBe('active');
  });

  it('refuses a delivery signed in the future beyond a small clock difference, and changes nothing', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    const completed = standin.complete(session.id);

    for (const ahead of [10 * 60, 24 * 3600, 365 * 24 * 3600]) {
      const future = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) + ahead });
      expect((await deliver(site, future)).statusCode).toBe(400);
    }
    // A second timestamp in the header: Stripe's library checks the last one, so both are checked.
    const future = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) + 24 * 3600 });
    const twoStamps = { ...future, signature: `t=${now(clock)},${future.signature}` };
    expect((await deliver(site, twoStamps)).statusCode).toBe(400);
    expect(await paymentsOf(site, invoice.id)).toEqual([]);
    expect((await site.billing.get(invoice.id))!.status).toBe('unpaid');

    // Stripe's clock a minute or two ahead of ours is normal.
    const slightlyAhead = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) + 120 });
    expect((await deliver(site, slightlyAhead)).json()).toMatchObject({ outcome: 'paid' });
  });

  it('refuses a delivery with a wrong signature, a changed payload or an old timestamp, and changes nothing', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    const completed = standin.complete(session.id);

    const forged = signedEvent('checkout.session.completed', completed, { timestamp: now(clock), secret: 'whsec_somebodyelse000000000000000' });
    expect((await deliver(site, forged)).statusCode).toBe(400);

    const genuine = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) });
    const changed = { payload: genuine.payload.replace('"amount_total":5000', '"amount_total":1'), signature: genuine.signature };
    expect(changed.payload).not.toBe(genuine.payload);
    expect((await deliver(site, changed)).statusCode).toBe(400);

    const old = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) - 10 * 60 });
    expect((await deliver(site, old)).statusCode).toBe(400);
    // A genuine delivery replayed later is old by then.
    clock.advance(10 * 60_000);
    expect((await deliver(site, genuine)).statusCode).toBe(400);

    expect((await deliver(site, { payload: genuine.payload })).statusCode).toBe(400);
    expect((await deliver(site, { payload: 'not json at all', signature: genuine.signature })).statusCode).toBe(400);
    const form = await deliver(site, { payload: 'a=b', signature: genuine.signature }, 'application/x-www-form-urlencoded');
    expect(form.statusCode).toBeGreaterThanOrEqual(400);
    expect(form.statusCode).toBeLessThan(500);

    expect(await paymentsOf(site, invoice.id)).toEqual([]);
    expect((await site.billing.get(invoice.id))!.status).toBe('unpaid');
  });

  it('acknowledges event types it does not handle', async () => {
    const { site, clock } = await newSite();
    const res = await deliver(site, signedEvent('customer.created', { id: 'cus_1', object: 'customer' }, { timestamp: now(clock) }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'ignored' });
    const stray = await deliver(
      site,
      signedEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', amount_received: 100, currency: 'usd', metadata: {} }, { timestamp: now(clock) }),
    );
    expect(stray.json()).toMatchObject({ outcome: 'ignored' });
  });
});

describe('a card payment the invoice can no longer take', () => {
  const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };
  const refundRequests = (standin: StripeStandin) => standin.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds');

  /** What an admin reads under "History" on the invoice's page. */
  async function historyPage(site: TestSite, invoiceId: number) {
    if (!(await site.accounts.findUserByEmail(ADMIN.email))) await site.addUser({ ...ADMIN, role: 'admin' });
    const board = new Client(site.app);
    await board.logIn(ADMIN.email, ADMIN.password);
    return visibleText((await board.get(`/admin/invoices/${invoiceId}`)).body);
  }

  it('refunds a second Checkout payment once, notes it in the invoice history and tells the member', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    // Two tabs, more than the 10 minutes apart in which a second press reuses the first session.
    const first = await payOnline(site, browser, standin, invoice.id);
    clock.advance(15 * 60_000);
    const second = await payOnline(site, browser, standin, invoice.id);
    expect(second.id).not.toBe(first.id);
    const paid = standin.complete(first.id);
    const twice = standin.complete(second.id);
    expect((await deliver(site, signedEvent('checkout.session.completed', paid, { timestamp: now(clock) }))).json()).toMatchObject({ outcome: 'paid' });

    // The second payment's two events arrive together, then one of them again.
    await site.jobs.runDue(); // the welcome e-mail goes out first
    const since = smtp.messages.length;
    const event = signedEvent('checkout.session.completed', twice, { timestamp: now(clock) });
    const intentEvent = signedEvent('payment_intent.succeeded', standin.paymentIntents.get(twice.payment_intent)!, { timestamp: now(clock) });
    const both = await Promise.all([deliver(site, event), deliver(site, intentEvent)]);
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.map((r) => r.json().outcome).sort()).toEqual(['already refunded', 'refunded']);
    const again = await deliver(site, event);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ outcome: 'already refunded' });

    const [refund, ...more] = standin.refunds.values();
    expect(more).toEqual([]);
    expect(refund).toMatchObject({ payment_intent: twice.payment_intent, amount: 5000, status: 'succeeded' });
    const requests = refundRequests(standin);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    for (const r of requests) expect(r).toMatchObject({ params: { payment_intent: twice.payment_intent }, idempotencyKey: `refund-${twice.payment_intent}` });

    // The invoice keeps the first payment only; the history says what happened to the second.
    const detail = (await site.billing.get(invoice.id))!;
    expect(detail.status).toBe('paid');
    expect(detail.payments.map((p) => p.external_id)).toEqual([paid.payment_intent]);
    const note = `A second card payment of $50.00 (${twice.payment_intent}) arrived after the invoice was already paid; it was refunded automatically (Stripe refund ${refund!.id}).`;
    expect(detail.events.filter((e) => e.detail === note)).toHaveLength(1);
    expect(await historyPage(site, invoice.id)).toContain(`Automatic. ${note}`);

    const mail = await mailFor(site, 'pat@example.org', since);
    expect(mail.map((m) => m.subject)).toEqual(['Your card payment of $50.00 to CIPCA was refunded']);
    expect(mail[0]!.text).toContain('We received a card payment of $50.00 for invoice 1, which was already paid.');
    expect(linkIn(mail[0]!.text)).toBe('/account');
  });

  it('refunds a card payment for an invoice voided meanwhile', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    expect((await site.billing.voidInvoice(invoice.id, { reason: 'Applied twice', actorUserId: null })).ok).toBe(true);
    const completed = standin.complete(session.id);

    const since = smtp.messages.length;
    const res = await deliver(site, signedEvent('payment_intent.succeeded', standin.paymentIntents.get(completed.payment_intent)!, { timestamp: now(clock) }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'refunded' });
    const [refund, ...more] = standin.refunds.values();
    expect(more).toEqual([]);
    expect(refund).toMatchObject({ payment_intent: completed.payment_intent, amount: 5000 });

    const detail = (await site.billing.get(invoice.id))!;
    expect(detail.status).toBe('void');
    expect(detail.payments).toEqual([]);
    expect(detail.events.at(-1)!.detail).toBe(
      `A card payment of $50.00 (${completed.payment_intent}) arrived after the invoice was voided; it was refunded automatically (Stripe refund ${refund!.id}).`,
    );
    const mail = await mailFor(site, 'pat@example.org', since);
    expect(mail.map((m) => m.subject)).toEqual(['Your card payment of $50.00 to CIPCA was refunded']);
    expect(mail[0]!.text).toContain('for invoice 1, which is void.');

    // The session's own event, later, changes nothing.
    expect((await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }))).json()).toMatchObject({ outcome: 'already refunded' });
    expect(standin.refunds.size).toBe(1);
  });

  it('does not refund a card payment the treasurer may have recorded by hand (the webhook was failing)', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    const completed = standin.complete(session.id);
    // Seeing the money in Stripe's dashboard, the treasurer records it as a card payment.
    expect((await site.billing.recordPayment(invoice.id, { method: 'card', amountCents: 5000, reference: 'Stripe dashboard', actorUserId: null })).ok).toBe(true);

    const res = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'refused' });
    expect(standin.refunds.size).toBe(0);
    expect((await site.billing.get(invoice.id))!.payments.map((p) => [p.method, p.amount_cents])).toEqual([['card', 5000]]);
  });

  it('answers 503 when the refund cannot be made, so that Stripe sends the event again; the retry refunds it', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    // The treasurer records the member's check while the member is at Checkout.
    expect((await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 5000, reference: 'Check 1001', actorUserId: null })).ok).toBe(true);
    const completed = standin.complete(session.id);
    const events = (await site.billing.get(invoice.id))!.events.length;

    standin.failRefunds(1);
    await site.jobs.runDue(); // the welcome e-mail goes out first
    const since = smtp.messages.length;
    const failed = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }));
    expect(failed.statusCode).toBe(503);
    expect(standin.refunds.size).toBe(0);
    expect((await site.billing.get(invoice.id))!.events).toHaveLength(events);
    expect(await mailFor(site, 'pat@example.org', since)).toEqual([]);

    // Stripe's retry, an hour later (signed anew).
    clock.advance(HOUR);
    const retried = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }));
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ outcome: 'refunded' });
    const [refund, ...more] = standin.refunds.values();
    expect(more).toEqual([]);
    expect(refund).toMatchObject({ payment_intent: completed.payment_intent, amount: 5000 });
    expect(refundRequests(standin).map((r) => r.idempotencyKey)).toEqual([`refund-${completed.payment_intent}`, `refund-${completed.payment_intent}`]);
    const detail = (await site.billing.get(invoice.id))!;
    expect(detail.payments.map((p) => p.method)).toEqual(['check']);
    expect(detail.events.at(-1)!.detail).toBe(
      `A second card payment of $50.00 (${completed.payment_intent}) arrived after the invoice was already paid; it was refunded automatically (Stripe refund ${refund!.id}).`,
    );
    expect((await mailFor(site, 'pat@example.org', since)).map((m) => m.subject)).toEqual(['Your card payment of $50.00 to CIPCA was refunded']);
  });

  it('notes a payment refunded in Stripe already (from the dashboard) without refunding it again', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 5000, reference: 'Check 1001', actorUserId: null });
    const completed = standin.complete(session.id);
    // The treasurer refunded it by hand before the event came (another key than ours).
    const api = new URL(standin.env.STRIPE_API_BASE);
    const stripe = new Stripe(standin.env.STRIPE_SECRET_KEY, { host: api.hostname, port: Number(api.port), protocol: 'http' });
    await stripe.refunds.create({ payment_intent: completed.payment_intent });

    const res = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }));
    expect(res.json()).toMatchObject({ outcome: 'refunded' });
    expect(standin.refunds.size).toBe(1);
    expect((await site.billing.get(invoice.id))!.events.at(-1)!.detail).toBe(
      `A second card payment of $50.00 (${completed.payment_intent}) arrived after the invoice was already paid; it had already been refunded in Stripe.`,
    );
  });

  it('leaves more than the balance of an unpaid invoice for a person, without refunding it', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, invoice } = await applicant(site);
    const session = await payOnline(site, browser, standin, invoice.id);
    await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 1000, reference: 'Check 1001', actorUserId: null });
    const completed = standin.complete(session.id);
    const res = await deliver(site, signedEvent('checkout.session.completed', completed, { timestamp: now(clock) }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'refused' });
    expect(refundRequests(standin)).toEqual([]);
  });
});

describe('without Stripe settings', () => {
  it('shows no card payment or automatic renewal, and the addresses are not there', async () => {
    const { site, clock } = await newSite({ stripe: false });
    expect(site.billing.stripe).toBeNull();
    const { browser, invoice } = await applicant(site);
    const account = visibleText((await browser.get('/account')).body);
    expect(account).toContain('E-mail me the invoice');
    expect(account).not.toContain('Pay online');
    expect(account).not.toContain('Automatic renewal');
    const csrf = browser.csrf();
    expect((await browser.post(`/account/invoices/${invoice.id}/pay`, { _csrf: csrf })).status).toBe(404);
    expect((await browser.post('/account/membership/auto-renew/on', { _csrf: csrf })).status).toBe(404);
    expect((await browser.post('/account/membership/card', { _csrf: csrf })).status).toBe(404);
    expect((await deliver(site, signedEvent('checkout.session.completed', {}, { timestamp: now(clock) }))).statusCode).toBe(404);

    const sam = await member(site);
    expect(visibleText((await sam.browser.get('/account')).body)).not.toContain('Automatic renewal');
  });

  it('needs both keys, well formed, and never repeats them in its messages', () => {
    const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/x' };
    expect(() => loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_abc123' })).toThrow(/STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together/);
    let error: unknown;
    try {
      loadConfig({ ...base, STRIPE_SECRET_KEY: 'pk_live_secretish', STRIPE_WEBHOOK_SECRET: 'nope secret', STRIPE_API_BASE: 'ftp://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/STRIPE_SECRET_KEY must be a Stripe secret key/);
    expect(message).toMatch(/STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing secret/);
    expect(message).toMatch(/STRIPE_API_BASE must be a URL/);
    expect(message).not.toContain('secretish');
    expect(message).not.toContain('nope secret');
    const config = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(config.stripe).toEqual({ secretKey: 'sk_live_abc', webhookSecret: 'whsec_abc', api: { host: '127.0.0.1', port: 12111, protocol: 'http' } });
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }).stripe?.api).toBeUndefined();
    expect(loadConfig(base).stripe).toBeUndefined();
  });
});

describe('automatic renewal', () => {
  /** Turn automatic renewal on from the account page, entering a card at the stand-in's Checkout. */
  async function turnOn(site: TestSite, clock: TestClock, standin: StripeStandin, browser: Client, card?: { brand: string; last4: string }) {
    await browser.get('/account');
    const res = await browser.post('/account/membership/auto-renew/on', { _csrf: browser.csrf() });
    expect(res.status).toBe(303);
    const session = [...standin.sessions.values()].find((s) => s.url === res.location)!;
    expect(session.mode).toBe('setup');
    const completed = standin.complete(session.id, card);
    const event = signedEvent('checkout.session.completed', completed, { timestamp: now(clock) });
    expect((await deliver(site, event)).json()).toMatchObject({ outcome: 'card saved' });
    return { session: completed, event };
  }

  const RENEWS = Date.parse('2027-07-02T16:00:00.000Z');
  const at = (clock: TestClock, instant: number) => clock.advance(instant - clock.now().getTime());
  const charges = (standin: StripeStandin) => standin.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');

  it('is turned on by saving a card at Stripe; the notice comes once, 7 days before; the charge on the day renews', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, userId } = await member(site);
    const before = visibleText((await browser.get('/account')).body);
    expect(before).toContain('Automatic renewal is off.');

    await turnOn(site, clock, standin, browser);
    const customer = standin.requests.find((r) => r.path === '/v1/customers')!;
    expect(customer.params).toMatchObject({ email: 'sam@example.org', name: 'Sam Sampler', metadata: { user_id: String(userId) } });
    const setup = standin.requests.find((r) => r.path === '/v1/checkout/sessions')!.params;
    expect(setup).toMatchObject({ mode: 'setup', customer: customer.params && expect.stringMatching(/^cus_/), metadata: { user_id: String(userId), auto_renew: '1' } });
    const after = visibleText((await browser.get('/account')).body);
    expect(after).toContain('Automatic renewal is on.');
    expect(after).toContain('On July 2, 2027 we will charge $50.00 to your Visa ending 4242 for another year.');

    const notices = async (since: number) => (await mailFor(site, 'sam@example.org', since)).filter((m) => m.subject?.includes('renews automatically'));
    const since = smtp.messages.length;
    at(clock, RENEWS - 8 * DAY);
    expect(await notices(since)).toEqual([]);
    at(clock, RENEWS - 7 * DAY + HOUR);
    const [notice, ...more] = await notices(since);
    expect(more).toEqual([]);
    expect(notice!.subject).toBe('Your CIPCA membership renews automatically on July 2, 2027');
    expect(notice!.text).toContain('On July 2, 2027 we will charge $50.00 to your Visa ending 4242 for another year.');
    expect(linkIn(notice!.text)).toBe('/account');
    for (const step of [HOUR, DAY, 3 * DAY]) {
      clock.advance(step);
      expect(await notices(since + 1)).toEqual([]);
    }
    expect(charges(standin)).toEqual([]);

    at(clock, RENEWS + HOUR);
    const renewedSince = smtp.messages.length;
    await site.jobs.runDue();
    const [charge, ...others] = charges(standin);
    expect(others).toEqual([]);
    const card = await site.billing.stripe!.savedCard(userId);
    expect(charge!.params).toMatchObject({
      amount: '5000',
      currency: 'usd',
      customer: card!.customerId,
      payment_method: card!.paymentMethodId,
      off_session: 'true',
      confirm: 'true',
    });
    expect(charge!.idempotencyKey).toBeTruthy();
    const mine = (await site.membership.lifecycle.forUser(userId))!;
    expect(mine.membership.status).toBe('active');
    expect(mine.membership.expires_at).toBe('2028-07-02T16:00:00.000Z');
    const renewal = mine.invoices.find((i) => i.id === Number(charge!.params.metadata.invoice_id))!;
    expect(renewal).toMatchObject({ status: 'paid', total_cents: 5000 });
    expect(await site.database.db.selectFrom('membership_invoices').select(['membership_id', 'period_start']).where('invoice_id', '=', renewal.id).executeTakeFirst()).toEqual({
      membership_id: mine.membership.id,
      period_start: '2027-07-02T16:00:00.000Z',
    });
    const [payment] = await paymentsOf(site, renewal.id);
    expect(payment).toMatchObject({ method: 'card', amount_cents: 5000, external_id: [...standin.paymentIntents.keys()].at(-1) });
    const mail = await mailFor(site, 'sam@example.org', renewedSince);
    expect(mail.map((m) => m.subject)).toContain('Your CIPCA membership is renewed');

    // The next runs (and Stripe's event for the same payment) change nothing.
    clock.advance(2 * HOUR);
    await site.jobs.runDue();
    expect(charges(standin)).toHaveLength(1);
    const intent = standin.paymentIntents.get(payment!.external_id!)!;
    expect((await deliver(site, signedEvent('payment_intent.succeeded', intent, { timestamp: now(clock) }))).json()).toMatchObject({ outcome: 'already recorded' });
    expect(await paymentsOf(site, renewal.id)).toHaveLength(1);
    expect(await site.database.db.selectFrom('jobs').select(['type', 'last_error']).where('last_error', 'is not', null).execute()).toEqual([]);
    const history = (await site.membership.lifecycle.detail(mine.membership.id))!.events.map((e) => e.detail);
    expect(history).toContain('Renewed automatically: $50.00 charged to Visa ending 4242 (invoice 1).');
  });

  it('stops the notice and the charge once the member turns it off', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, userId } = await member(site);
    await turnOn(site, clock, standin, browser);
    await browser.get('/account');
    const off = await browser.post('/account/membership/auto-renew/off', { _csrf: browser.csrf() });
    expect(off.status).toBe(303);
    expect(visibleText((await browser.get('/account')).body)).toContain('Automatic renewal is off: your card will not be charged.');

    const since = smtp.messages.length;
    at(clock, RENEWS - 7 * DAY + HOUR);
    await site.jobs.runDue();
    at(clock, RENEWS + HOUR);
    await site.jobs.runDue();
    expect((await mailFor(site, 'sam@example.org', since)).filter((m) => m.subject?.includes('automatically'))).toEqual([]);
    expect(charges(standin)).toEqual([]);
    expect((await site.membership.lifecycle.forUser(userId))!.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
  });

  it('does not charge when turned off after the notice', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, userId } = await member(site);
    await turnOn(site, clock, standin, browser);
    at(clock, RENEWS - 7 * DAY + HOUR);
    await site.jobs.runDue();
    // The session cookie has expired after a year: log in again to turn it off.
    const again = new Client(site.app);
    await again.logIn('sam@example.org', PASSWORD);
    await again.get('/account');
    expect((await again.post('/account/membership/auto-renew/off', { _csrf: again.csrf() })).status).toBe(303);
    at(clock, RENEWS + HOUR);
    await site.jobs.runDue();
    expect(charges(standin)).toEqual([]);
    expect((await site.membership.lifecycle.forUser(userId))!.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
  });

  it('ignores a replayed or older card-setup event: it neither turns renewal back on nor replaces a newer card', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, userId } = await member(site);
    const first = await turnOn(site, clock, standin, browser);

    // A newer card, then the older session's event once more (late, out of order).
    clock.advance(60_000);
    await browser.get('/account');
    const change = await browser.post('/account/membership/card', { _csrf: browser.csrf() });
    const newer = standin.complete([...standin.sessions.values()].find((s) => s.url === change.location)!.id, { brand: 'mastercard', last4: '4444' });
    const newerEvent = signedEvent('checkout.session.completed', newer, { timestamp: now(clock) });
    expect((await deliver(site, newerEvent)).json()).toMatchObject({ outcome: 'card saved' });
    const replay = signedEvent('checkout.session.completed', first.session, { timestamp: now(clock) });
    expect((await deliver(site, replay)).json()).toMatchObject({ outcome: 'card already saved' });
    expect((await site.billing.stripe!.savedCard(userId))!.label).toBe('Mastercard ending 4444');

    await browser.get('/account');
    await browser.post('/account/membership/auto-renew/off', { _csrf: browser.csrf() });
    expect((await deliver(site, replay)).json()).toMatchObject({ outcome: 'card already saved' });
    expect((await deliver(site, newerEvent)).json()).toMatchObject({ outcome: 'card already saved' });
    expect((await site.membership.lifecycle.forUser(userId))!.membership.auto_renew).toBe(0);

    // Turning it on again uses the saved card, without another trip to Stripe.
    const sessions = standin.sessions.size;
    await browser.get('/account');
    const on = await browser.post('/account/membership/auto-renew/on', { _csrf: browser.csrf() });
    expect(on.location).toBe('/account');
    expect(standin.sessions.size).toBe(sessions);
    expect(visibleText((await browser.get('/account')).body)).toContain('Mastercard ending 4444');
  });

  it('tells the member when the card is declined, and does not try again on its own', async () => {
    const { site, clock, standin } = await newSite();
    const { browser, userId } = await member(site);
    await turnOn(site, clock, standin, browser);
    at(clock, RENEWS - 7 * DAY + HOUR);
    await site.jobs.runDue();
    standin.declineNextCharge('Your card has insufficient funds.');
    const since = smtp.messages.length;
    at(clock, RENEWS + HOUR);
    const [failed] = (await mailFor(site, 'sam@example.org', since)).filter((m) => m.subject?.includes('could not renew'));
    expect(failed!.subject).toBe('We could not renew your CIPCA membership automatically');
    expect(failed!.text).toContain('Your card has insufficient funds.');
    expect(failed!.text).toMatch(/invoice \d+/);
    expect(failed!.text).toContain('we have turned automatic renewal off');
    clock.advance(3 * HOUR);
    await site.jobs.runDue();
    expect(charges(standin)).toHaveLength(1);
    const mine = (await site.membership.lifecycle.forUser(userId))!;
    expect(mine.membership.expires_at).toBe('2027-07-02T16:00:00.000Z');
    expect(mine.membership.auto_renew).toBe(0);
    // The renewal invoice stays open for the member to pay another way, and the page says why.
    const open = mine.invoices.find((i) => i.status === 'unpaid')!;
    expect(open.total_cents).toBe(5000);
    const again = new Client(site.app);
    await again.logIn('sam@example.org', PASSWORD);
    const account = visibleText((await again.get('/account')).body);
    expect(account).toContain('The automatic charge for this renewal did not go through: Your card has insufficient funds.');
    expect(account).toContain('Automatic renewal is off.');
    // Paying it online then renews as usual.
    const session = await payOnline(site, again, standin, open.id);
    await deliver(site, signedEvent('checkout.session.completed', standin.complete(session.id), { timestamp: now(clock) }));
    expect((await site.membership.lifecycle.forUser(userId))!.membership.expires_at).toBe('2028-07-02T16:00:00.000Z');
  });
});
