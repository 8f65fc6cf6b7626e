import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { formatMoney, parseMoney } from '#core/money.js';
import type { InvoiceLineInput, NewInvoice } from './service.js';
import * as kit from '#test/support/kit.js';

const ADMIN = { email: 'treasurer@example.org', password: 'correct horse battery staple', name: 'Tess Treasurer' };
const MEMBER = { email: 'mia@example.org', password: 'members only password', name: 'Mia Member' };
const OTHER = { email: 'omar@example.org', password: 'another members password', name: 'Omar Other' };
const ASSOCIATION = 'Colorado Industrial Pretreatment Coordinators Association';
const DUES: InvoiceLineInput[] = [{ description: 'Annual dues 2026, individual member', quantity: 1, unitCents: 12500 }];

let site: TestSite;
let clock: TestClock;
let adminId: number;
let memberId: number;
let otherId: number;
const paidCalls: number[] = [];
let failPaidHandler = false;

beforeAll(async () => {
  clock = new TestClock('2026-03-02T16:00:00.000Z');
  site = await startTestSite({ clock });
  adminId = await site.addUser({ ...ADMIN, role: 'admin' });
  memberId = await site.addUser({ ...MEMBER, role: 'member' });
  otherId = await site.addUser({ ...OTHER, role: 'member' });
  // What the membership module does: act inside the transaction that marks the invoice paid.
  site.events.on('invoice.paid', async (trx, paid) => {
    paidCalls.push(paid.invoiceId);
    const { status } = await trx.selectFrom('invoices').select('status').where('id', '=', paid.invoiceId).executeTakeFirstOrThrow();
    await trx
      .insertInto('settings')
      .values({ key: `_test_paid_${paid.invoiceId}`, value: status })
      .execute();
    if (failPaidHandler) throw new Error('The membership could not be extended');
  });
});
afterAll(() => site.close());

const invoiceFor = (userId: number, overrides: Partial<NewInvoice> = {}): NewInvoice => ({
  userId,
  billTo: 'Mia Member\nMetro Water Reclamation\n1 Main St, Denver, CO 80202',
  lines: DUES,
  dueAt: new Date('2026-04-01T06:00:00.000Z'),
  actorUserId: adminId,
  ...overrides,
});

/** Issue an invoice the way the membership module will: inside a transaction of its own. */
function issue(overrides: Partial<NewInvoice> = {}) {
  return site.database.db.transaction().execute((trx) => site.billing.createInvoice(trx, invoiceFor(memberId, overrides)));
}

async function admin() {
  return kit.logIn(site, ADMIN);
}

async function member(who = MEMBER) {
  return kit.logIn(site, who);
}

/** Download a file as bytes (the test Client reads bodies as text). */
async function download(c: Client, url: string) {
  const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await site.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload, location: res.headers.location };
}

/** The PDF's text as pdftotext reads it (keeping the layout), white space folded. */
const pdfText = (bytes: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).toString('utf8').replace(/\s+/g, ' ');

const payments = (invoiceId: number) => site.database.db.selectFrom('payments').selectAll().where('invoice_id', '=', invoiceId).execute();

/** The outbox's `invoice.paid` events of one invoice. */
async function paidEvents(invoiceId: number) {
  const rows = await site.database.db.selectFrom('outbox').select(['name', 'payload', 'created_at', 'published_at']).where('name', '=', 'invoice.paid').orderBy('id').execute();
  return rows.filter((r) => (JSON.parse(r.payload) as { invoiceId: number }).invoiceId === invoiceId);
}

describe('money', () => {
  it('is shown as dollars with thousands separators', () => {
    expect(formatMoney(12500)).toBe('$125.00');
    expect(formatMoney(123456789)).toBe('$1,234,567.89');
    expect(formatMoney(5)).toBe('$0.05');
    expect(formatMoney(0)).toBe('$0.00');
    expect(formatMoney(-500)).toBe('-$5.00');
  });

  it('is read from what people type, exactly, without floating point', () => {
    expect(parseMoney('125.00')).toBe(12500);
    expect(parseMoney('125')).toBe(12500);
    expect(parseMoney(' $1,250.5 ')).toBe(125050);
    expect(parseMoney('0.29')).toBe(29);
    expect(parseMoney('19.99')).toBe(1999);
    for (const bad of ['12.345', '-5', 'abc', '', '1,25.00', '12.', '.5', '1e3', '10000000.01']) expect(parseMoney(bad)).toBeNull();
  });
});

describe('invoice numbers', () => {
  let fresh: TestSite;
  let userId: number;
  beforeAll(async () => {
    fresh = await startTestSite();
    userId = await fresh.addUser({ email: 'numbers@example.org', password: 'numbers password here' });
  });
  afterAll(() => fresh.close());

  const numbers = async () => (await fresh.database.db.selectFrom('invoices').select('number').orderBy('number').execute()).map((r) => r.number);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

  /** `count` transactions at once, each issuing one invoice and keeping its transaction open a moment. */
  function concurrently(count: number, rollBack: (i: number) => boolean = () => false) {
    return Promise.allSettled(
      range(1, count).map((i) =>
        fresh.database.db.transaction().execute(async (trx) => {
          const invoice = await fresh.billing.createInvoice(trx, invoiceFor(userId, { actorUserId: null }));
          await pause();
          if (rollBack(i)) throw new Error('The caller changed its mind');
          return invoice.number;
        }),
      ),
    );
  }

  it('gives 20 invoices issued at the same time the numbers 1 to 20, none shared', async () => {
    const results = await concurrently(20);
    const issued = results.map((r) => (r.status === 'fulfilled' ? r.value : -1));
    expect([...issued].sort((a, b) => a - b)).toEqual(range(1, 20));
    expect(await numbers()).toEqual(range(1, 20));
  });

  it('leaves no gap when a transaction that took a number rolls back', async () => {
    const results = await concurrently(21, (i) => i === 10);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(await numbers()).toEqual(range(1, 40));

    await expect(
      fresh.database.db.transaction().execute(async (trx) => {
        await fresh.billing.createInvoice(trx, invoiceFor(userId, { actorUserId: null }));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const next = await fresh.database.db.transaction().execute((trx) => fresh.billing.createInvoice(trx, invoiceFor(userId, { actorUserId: null })));
    expect(next.number).toBe(41);
  });
});

describe('issuing an invoice', () => {
  it('totals its lines in whole cents', async () => {
    const invoice = await issue({
      lines: [
        { description: 'Fall workshop registration', quantity: 2, unitCents: 4550 },
        { description: 'Printed manual', quantity: 3, unitCents: 1999 },
        { description: 'Parking (included)', quantity: 1, unitCents: 0 },
      ],
    });
    expect(invoice.total_cents).toBe(2 * 4550 + 3 * 1999);
    expect(invoice.status).toBe('unpaid');
    const detail = (await site.billing.get(invoice.id))!;
    expect(detail.lines.map((l) => l.amount_cents)).toEqual([9100, 5997, 0]);
    expect(detail.balanceCents).toBe(15097);
    expect(detail.events.map((e) => [e.action, e.actor_name])).toEqual([['issued', ADMIN.name]]);
  });

  it('refuses negative or fractional amounts, and leaves no number used', async () => {
    const before = await issue();
    const bad: InvoiceLineInput[][] = [
      [{ description: 'Dues', quantity: 1, unitCents: -500 }],
      [{ description: 'Dues', quantity: 1, unitCents: 12.5 }],
      [{ description: 'Dues', quantity: 0, unitCents: 500 }],
      [{ description: 'Dues', quantity: 1.5, unitCents: 500 }],
      [{ description: 'Dues', quantity: 1, unitCents: Number.NaN }],
      [{ description: 'Free', quantity: 1, unitCents: 0 }],
      [{ description: '  ', quantity: 1, unitCents: 500 }],
      [],
    ];
    for (const lines of bad) await expect(issue({ lines })).rejects.toThrow();
    const after = await issue();
    expect(after.number).toBe(before.number + 1);
  });

  it('lists a member’s invoices, newest first', async () => {
    const invoice = await issue({ userId: otherId, billTo: 'Omar Other' });
    const list = await site.billing.listForUser(otherId);
    expect(list[0]!.id).toBe(invoice.id);
    expect(list.every((i) => i.user_id === otherId)).toBe(true);
  });
});

describe('payments', () => {
  it('marks the invoice paid when the payment covers the total, and emits invoice.paid in that transaction', async () => {
    const invoice = await issue();
    const result = await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 12500, reference: 'Check 1042', actorUserId: adminId });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.paidNow).toBe(true);
    expect(result.value.invoice.status).toBe('paid');
    expect(result.value.invoice.paid_at).toBe('2026-03-02T16:00:00.000Z');
    expect(paidCalls.filter((id) => id === invoice.id)).toHaveLength(1);
    // The handler saw the invoice already paid, and what it wrote was committed with the payment.
    const written = await site.database.db.selectFrom('settings').select('value').where('key', '=', `_test_paid_${invoice.id}`).executeTakeFirst();
    expect(written?.value).toBe('paid');
    // And the event is in the outbox for later readers, with what they need.
    expect((await paidEvents(invoice.id)).map((e) => ({ ...e, payload: JSON.parse(e.payload) }))).toEqual([
      {
        name: 'invoice.paid',
        payload: { invoiceId: invoice.id, number: invoice.number, userId: memberId, totalCents: 12500, currency: 'USD', paidAt: '2026-03-02T16:00:00.000Z' },
        created_at: '2026-03-02T16:00:00.000Z',
        published_at: null,
      },
    ]);
  });

  it('records a repeated payment (same external id) once: the handler runs once and nothing changes', async () => {
    const invoice = await issue();
    const payment = { method: 'card' as const, amountCents: 12500, reference: 'Card payment', externalId: 'pi_3Pq0001', actorUserId: null };
    const first = await site.billing.recordPayment(invoice.id, payment);
    const again = await site.billing.recordPayment(invoice.id, payment);
    expect(first.ok && first.value.paidNow).toBe(true);
    expect(again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value.alreadyRecorded).toBe(true);
    expect(again.value.paidNow).toBe(false);
    expect(again.value.payment.id).toBe(first.value.payment.id);
    expect(again.value.invoice.status).toBe('paid');
    expect(again.value.invoice.updated_at).toBe(first.value.invoice.updated_at);
    expect(paidCalls.filter((id) => id === invoice.id)).toHaveLength(1);
    expect(await paidEvents(invoice.id)).toHaveLength(1);
    expect(await payments(invoice.id)).toHaveLength(1);
    expect((await site.billing.get(invoice.id))!.events.map((e) => e.action)).toEqual(['issued', 'payment']);
  });

  it('records the same payment delivered twice at the same moment only once', async () => {
    const invoice = await issue();
    const payment = { method: 'card' as const, amountCents: 12500, reference: 'Card payment', externalId: 'pi_3Pq0002', actorUserId: null };
    const [a, b] = await Promise.all([site.billing.recordPayment(invoice.id, payment), site.billing.recordPayment(invoice.id, payment)]);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect([a.value.paidNow, b.value.paidNow].sort()).toEqual([false, true]);
    expect(paidCalls.filter((id) => id === invoice.id)).toHaveLength(1);
    expect(await payments(invoice.id)).toHaveLength(1);
  });

  it('keeps a part-paid invoice unpaid, refuses more than the balance, and is paid by the rest', async () => {
    const invoice = await issue();
    const part = await site.billing.recordPayment(invoice.id, { method: 'cash', amountCents: 5000, reference: '', actorUserId: adminId });
    expect(part.ok && part.value.paidNow).toBe(false);
    expect(part.ok && part.value.invoice.status).toBe('unpaid');
    expect((await site.billing.get(invoice.id))!.balanceCents).toBe(7500);
    expect(paidCalls).not.toContain(invoice.id);

    const tooMuch = await site.billing.recordPayment(invoice.id, { method: 'cash', amountCents: 10000, reference: '', actorUserId: adminId });
    expect(tooMuch).toEqual({ ok: false, code: 'invalid', errors: { amount: 'The balance due is $75.00; record at most that.' } });

    const rest = await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 7500, reference: 'Check 77', actorUserId: adminId });
    expect(rest.ok && rest.value.paidNow).toBe(true);
    expect(paidCalls.filter((id) => id === invoice.id)).toHaveLength(1);
  });

  it('records nothing when a paid handler fails', async () => {
    const invoice = await issue();
    failPaidHandler = true;
    try {
      await expect(site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 12500, reference: 'Check 9', actorUserId: adminId })).rejects.toThrow(
        'The membership could not be extended',
      );
    } finally {
      failPaidHandler = false;
    }
    const detail = (await site.billing.get(invoice.id))!;
    expect(detail.status).toBe('unpaid');
    expect(detail.payments).toHaveLength(0);
    expect(detail.events.map((e) => e.action)).toEqual(['issued']);
    expect(await site.database.db.selectFrom('settings').select('value').where('key', '=', `_test_paid_${invoice.id}`).executeTakeFirst()).toBeUndefined();
    expect(await paidEvents(invoice.id)).toEqual([]);
  });

  it('refuses paying a void or an already-paid invoice, with a clear message', async () => {
    const paid = await issue();
    await site.billing.recordPayment(paid.id, { method: 'check', amountCents: 12500, reference: '', actorUserId: adminId });
    const twice = await site.billing.recordPayment(paid.id, { method: 'check', amountCents: 12500, reference: '', actorUserId: adminId });
    expect(twice).toEqual({ ok: false, code: 'invalid', errors: { form: `Invoice ${paid.number} is already paid: no payment is due.` } });

    const voided = await issue();
    await site.billing.voidInvoice(voided.id, { reason: 'Issued twice', actorUserId: adminId });
    const onVoid = await site.billing.recordPayment(voided.id, { method: 'cash', amountCents: 100, reference: '', actorUserId: adminId });
    expect(onVoid).toEqual({ ok: false, code: 'invalid', errors: { form: `Invoice ${voided.number} is void: it cannot be paid.` } });
    expect(await payments(voided.id)).toHaveLength(0);
  });
});

describe('refunds and voids', () => {
  it('refunds at most what was paid; a full refund makes the invoice refunded', async () => {
    const invoice = await issue();
    await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 12500, reference: 'Check 5', actorUserId: adminId });
    const tooMuch = await site.billing.recordRefund(invoice.id, { amountCents: 12501, reference: '', actorUserId: adminId });
    expect(tooMuch.ok).toBe(false);
    expect(!tooMuch.ok && tooMuch.errors.amount).toMatch(/At most \$125\.00/);

    const part = await site.billing.recordRefund(invoice.id, { amountCents: 2500, reference: 'Partial credit', actorUserId: adminId });
    expect(part.ok && part.value.invoice.status).toBe('paid');
    const rest = await site.billing.recordRefund(invoice.id, { amountCents: 10000, reference: 'Check 88', actorUserId: adminId });
    expect(rest.ok && rest.value.invoice.status).toBe('refunded');
    expect(rest.ok && rest.value.refund.method).toBe('check');

    const more = await site.billing.recordRefund(invoice.id, { amountCents: 1, reference: '', actorUserId: adminId });
    expect(more.ok).toBe(false);
    const pay = await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 100, reference: '', actorUserId: adminId });
    expect(!pay.ok && pay.errors.form).toMatch(/already refunded/);
  });

  it('refuses refunds when no money was received', async () => {
    const invoice = await issue();
    const refund = await site.billing.recordRefund(invoice.id, { amountCents: 100, reference: '', actorUserId: adminId });
    expect(refund).toEqual({ ok: false, code: 'invalid', errors: { form: `No money is held for invoice ${invoice.number}: there is nothing to refund.` } });
  });

  it('voids only unpaid invoices that hold no money', async () => {
    const paid = await issue();
    await site.billing.recordPayment(paid.id, { method: 'cash', amountCents: 12500, reference: '', actorUserId: adminId });
    const voidPaid = await site.billing.voidInvoice(paid.id, { reason: 'Mistake', actorUserId: adminId });
    expect(!voidPaid.ok && voidPaid.errors.form).toMatch(/only an unpaid invoice can be voided/);

    const part = await issue();
    await site.billing.recordPayment(part.id, { method: 'cash', amountCents: 2000, reference: '', actorUserId: adminId });
    const voidPart = await site.billing.voidInvoice(part.id, { reason: 'Mistake', actorUserId: adminId });
    expect(!voidPart.ok && voidPart.errors.form).toBe(`$20.00 has been received for invoice ${part.number}: refund it before voiding the invoice.`);
    await site.billing.recordRefund(part.id, { amountCents: 2000, reference: 'Cash back', actorUserId: adminId });
    const afterRefund = await site.billing.voidInvoice(part.id, { reason: 'Mistake', actorUserId: adminId });
    expect(afterRefund.ok && afterRefund.value.status).toBe('void');

    const noReason = await site.billing.voidInvoice((await issue()).id, { reason: '  ', actorUserId: adminId });
    expect(noReason.ok).toBe(false);
    const again = await site.billing.voidInvoice(part.id, { reason: 'Again', actorUserId: adminId });
    expect(!again.ok && again.errors.form).toBe(`Invoice ${part.number} is already void.`);
  });
});

describe('admin screens', () => {
  it('records a payment through the form and shows it in the history with the admin’s name', async () => {
    const invoice = await issue();
    const c = await admin();
    const page = await c.get(`/admin/invoices/${invoice.id}`);
    expect(page.status).toBe(200);
    const text = visibleText(page.body);
    expect(text).toContain(`Invoice ${invoice.number}`);
    expect(text).toContain('Annual dues 2026, individual member');
    expect(text).toContain('Total $125.00');
    expect(text).toContain('Due April 1, 2026');
    expect(text).toContain('Balance due $125.00');

    const res = await c.submit(`/admin/invoices/${invoice.id}`, { method: 'check', amount: '125.00', reference: 'Check 2231' }, `/admin/invoices/${invoice.id}/payments`);
    expect(res.status).toBe(303);
    const after = await c.get(res.location!);
    const afterText = visibleText(after.body);
    expect(afterText).toContain(`Payment of $125.00 recorded. Invoice ${invoice.number} is paid.`);
    expect(afterText).toMatch(/Status Paid on March 2, 2026/);
    expect(afterText).toMatch(new RegExp(`Tess Treasurer\\. Invoice ${invoice.number} issued for \\$125\\.00\\.`));
    expect(afterText).toMatch(/Tess Treasurer\. Payment of \$125\.00 by check \(reference Check 2231\); paid in full\./);
    expect(afterText).toContain('Record a refund');
    expect(afterText).not.toContain('Record a payment');
    expect(paidCalls.filter((id) => id === invoice.id)).toHaveLength(1);
  });

  it('records refunds and voids through the forms, each in the history', async () => {
    const c = await admin();
    const paid = await issue();
    await site.billing.recordPayment(paid.id, { method: 'bank_transfer', amountCents: 12500, reference: 'ACH 55', actorUserId: adminId });
    const refund = await c.submit(
      `/admin/invoices/${paid.id}`,
      { refund_method: 'bank_transfer', refund_amount: '125', refund_reference: 'ACH back' },
      `/admin/invoices/${paid.id}/refunds`,
    );
    expect(refund.status).toBe(303);
    const refunded = visibleText((await c.get(`/admin/invoices/${paid.id}`)).body);
    expect(refunded).toContain(`Invoice ${paid.number} is refunded.`);
    expect(refunded).toMatch(/Tess Treasurer\. Refund of \$125\.00 by bank transfer \(reference ACH back\); refunded in full\./);

    const unpaid = await issue();
    const voided = await c.submit(`/admin/invoices/${unpaid.id}`, { reason: 'Member joined twice by mistake' }, `/admin/invoices/${unpaid.id}/void`);
    expect(voided.status).toBe(303);
    const voidText = visibleText((await c.get(`/admin/invoices/${unpaid.id}`)).body);
    expect(voidText).toContain(`Invoice ${unpaid.number} is void.`);
    expect(voidText).toMatch(/Tess Treasurer\. Voided: Member joined twice by mistake/);
    expect(voidText).not.toContain('Record a payment');
  });

  it('refuses bad amounts beside the field and keeps what was typed', async () => {
    const invoice = await issue();
    const c = await admin();
    const cases: [string, RegExp][] = [
      ['12.345', /dollars and cents, such as 125\.00/],
      ['-5', /without a minus sign/],
      ['abc', /dollars and cents, such as 125\.00/],
      ['', /Enter the amount in dollars/],
      ['0.00', /more than \$0\.00/],
      ['500', /The balance due is \$125\.00/],
    ];
    for (const [amount, message] of cases) {
      const res = await c.submit(`/admin/invoices/${invoice.id}`, { method: 'cash', amount, reference: 'Receipt 7' }, `/admin/invoices/${invoice.id}/payments`);
      expect(res.status, amount).toBe(422);
      expect(fieldError(res.body, 'amount'), amount).toMatch(message);
      expect(inputValue(res.body, 'amount') ?? '').toBe(amount);
      expect(inputValue(res.body, 'reference')).toBe('Receipt 7');
      expect(res.body).toContain('aria-invalid="true"');
    }
    expect(await payments(invoice.id)).toHaveLength(0);

    const refund = await c.submit(`/admin/invoices/${invoice.id}`, { refund_method: 'cash', refund_amount: '1' }, `/admin/invoices/${invoice.id}/refunds`);
    expect(refund.status).toBe(422);
    expect(visibleText(refund.body)).toContain('No money is held for invoice');

    await site.billing.recordPayment(invoice.id, { method: 'cash', amountCents: 1000, reference: '', actorUserId: adminId });
    const badRefund = await c.submit(`/admin/invoices/${invoice.id}`, { refund_method: 'cash', refund_amount: '12.345' }, `/admin/invoices/${invoice.id}/refunds`);
    expect(badRefund.status).toBe(422);
    expect(fieldError(badRefund.body, 'refund_amount')).toMatch(/dollars and cents/);
    expect(inputValue(badRefund.body, 'refund_amount')).toBe('12.345');
    const tooMuch = await c.submit(`/admin/invoices/${invoice.id}`, { refund_method: 'cash', refund_amount: '20' }, `/admin/invoices/${invoice.id}/refunds`);
    expect(fieldError(tooMuch.body, 'refund_amount')).toMatch(/At most \$10\.00/);
    const noReason = await c.submit(`/admin/invoices/${invoice.id}`, { refund_method: 'cash', refund_amount: '10' }, `/admin/invoices/${invoice.id}/refunds`);
    expect(noReason.status).toBe(303);
    const voidNoReason = await c.submit(`/admin/invoices/${invoice.id}`, { reason: '' }, `/admin/invoices/${invoice.id}/void`);
    expect(voidNoReason.status).toBe(422);
    expect(fieldError(voidNoReason.body, 'reason')).toBe('Error: Enter the reason.');
  });

  it('lists invoices with money and dates formatted, filtered by status', async () => {
    const voided = await issue({ dueAt: new Date('2026-05-15T06:00:00.000Z') });
    await site.billing.voidInvoice(voided.id, { reason: 'Duplicate', actorUserId: adminId });
    const unpaid = await issue({ lines: [{ description: 'Conference', quantity: 1, unitCents: 123456 }] });
    const c = await admin();

    const all = await c.get('/admin/invoices');
    expect(all.status).toBe(200);
    expect(all.body).toContain(`href="/admin/invoices/${voided.id}"`);
    expect(all.body).toContain(`href="/admin/invoices/${unpaid.id}"`);
    expect(visibleText(all.body)).toContain(`Invoice ${unpaid.number} Mia Member mia@example.org March 2, 2026 April 1, 2026 $1,234.56 Unpaid`);
    expect(all.body).toMatch(/<a href="\/admin\/invoices" aria-current="page">Invoices<\/a>/);

    const onlyVoid = await c.get('/admin/invoices?status=void');
    expect(onlyVoid.body).toContain(`href="/admin/invoices/${voided.id}"`);
    expect(onlyVoid.body).not.toContain(`href="/admin/invoices/${unpaid.id}"`);
    expect(visibleText(onlyVoid.body)).toContain(`Invoice ${voided.number} Mia Member mia@example.org March 2, 2026 May 15, 2026 $125.00 Void`);
    expect(onlyVoid.body).toMatch(/<option value="void" selected/);

    const onlyUnpaid = await c.get('/admin/invoices?status=unpaid');
    expect(onlyUnpaid.body).not.toContain(`href="/admin/invoices/${voided.id}"`);
    expect(onlyUnpaid.body).toContain(`href="/admin/invoices/${unpaid.id}"`);

    expect((await c.get('/admin/invoices?status=nonsense')).status).toBe(200);
  });

  it('marks unpaid invoices past their due date as overdue', async () => {
    const late = await issue({ dueAt: new Date('2026-03-01T06:00:00.000Z') });
    const c = await admin();
    expect(visibleText((await c.get(`/admin/invoices/${late.id}`)).body)).toContain('Status Unpaid, overdue');
  });

  it('keeps the status filter from page to page', async () => {
    await site.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 55; i++) await site.billing.createInvoice(trx, invoiceFor(otherId, { billTo: 'Omar Other' }));
    });
    const c = await admin();
    const first = await c.get('/admin/invoices?status=unpaid');
    expect(first.body).toContain('href="/admin/invoices?status=unpaid&amp;page=2"');
    const second = await c.get('/admin/invoices?status=unpaid&page=2');
    expect(visibleText(second.body)).toMatch(/Page 2 of \d/);
    expect(second.body).toContain('href="/admin/invoices?status=unpaid&amp;page=1"');
  });

  it('is for admins only: members are refused, visitors sent to log in', async () => {
    const invoice = await issue();
    expect((await (await member()).get('/admin/invoices')).status).toBe(403);
    expect((await (await member()).get(`/admin/invoices/${invoice.id}/pdf`)).status).toBe(403);
    const visitor = await new Client(site.app).get(`/admin/invoices/${invoice.id}`);
    expect(visitor.status).toBe(303);
    expect(visitor.location).toBe(`/login?next=${encodeURIComponent(`/admin/invoices/${invoice.id}`)}`);
    expect((await (await admin()).get('/admin/invoices/999999')).status).toBe(404);
    expect((await (await admin()).get('/admin/invoices/abc')).status).toBe(404);
  });
});

describe('invoice PDF', () => {
  it('downloads with the number, the association, the lines, the total and the status', async () => {
    const invoice = await issue();
    const c = await admin();
    const res = await download(c, `/admin/invoices/${invoice.id}/pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="invoice-${invoice.number}.pdf"`);
    expect(res.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(res.bytes);
    expect(text).toContain(`Invoice ${invoice.number}`);
    expect(text).toContain(ASSOCIATION);
    expect(text).toContain('Annual dues 2026, individual member');
    expect(text).toMatch(/Total \$125\.00/);
    expect(text).toContain('UNPAID, due April 1, 2026');
    expect(text).toContain('Metro Water Reclamation');

    await site.billing.recordPayment(invoice.id, { method: 'check', amountCents: 12500, reference: 'Check 300', actorUserId: adminId });
    const paid = pdfText((await download(c, `/admin/invoices/${invoice.id}/pdf`)).bytes);
    expect(paid).toContain('PAID on March 2, 2026');
    expect(paid).not.toContain('UNPAID');
    expect(paid).toMatch(/payment by check \(Check 300\) \$125\.00/);
  });

  it('prints dates in the association’s time zone and shows void and refunded invoices as such', async () => {
    // 03:00 UTC on April 1 is still March 31 in Denver.
    const invoice = await issue({ dueAt: new Date('2026-04-01T03:00:00.000Z'), lines: [{ description: 'Dues', quantity: 1, unitCents: 123456 }] });
    const c = await admin();
    const text = pdfText((await download(c, `/admin/invoices/${invoice.id}/pdf`)).bytes);
    expect(text).toContain('UNPAID, due March 31, 2026');
    expect(text).toMatch(/Total \$1,234\.56/);

    await site.billing.voidInvoice(invoice.id, { reason: 'Wrong level', actorUserId: adminId });
    expect(pdfText((await download(c, `/admin/invoices/${invoice.id}/pdf`)).bytes)).toMatch(/ VOID Bill to /);

    const refunded = await issue();
    await site.billing.recordPayment(refunded.id, { method: 'cash', amountCents: 12500, reference: '', actorUserId: adminId });
    await site.billing.recordRefund(refunded.id, { amountCents: 12500, reference: '', actorUserId: adminId });
    expect(pdfText((await download(c, `/admin/invoices/${refunded.id}/pdf`)).bytes)).toContain('REFUNDED');
  });

  it('lets a member download their own invoice, and answers 404 for anyone else’s', async () => {
    const mine = await issue();
    const theirs = await issue({ userId: otherId, billTo: 'Omar Other' });
    const c = await member();
    const res = await download(c, `/account/invoices/${mine.id}/pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(pdfText(res.bytes)).toContain(`Invoice ${mine.number}`);
    expect((await c.get(`/account/invoices/${theirs.id}/pdf`)).status).toBe(404);
    expect((await c.get('/account/invoices/999999/pdf')).status).toBe(404);
    expect((await c.get('/account/invoices/nope/pdf')).status).toBe(404);
  });

  it('sends a visitor to log in first', async () => {
    const invoice = await issue();
    const res = await download(new Client(site.app), `/account/invoices/${invoice.id}/pdf`);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/login?next=${encodeURIComponent(`/account/invoices/${invoice.id}/pdf`)}`);
  });
});
