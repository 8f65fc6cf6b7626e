import type { Transaction } from 'kysely';
import { recordAudit, type AuditBy } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import type { DB } from '#core/db/schema.js';
import type { InvoiceStatus } from './tables.js';
import type { Events } from '#core/events/index.js';
import { formatMoney, MAX_CENTS } from '#core/money.js';
import { ok, refused, type Outcome, type RefusalCode } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import type { FieldErrors } from '#core/views/forms.js';
import { invoicePdf } from './pdf.js';
import * as q from './queries.js';
import type { InvoiceEventRow, InvoiceLineRow, InvoiceRow, PaymentRow } from './queries.js';

import { PAYMENT_METHODS, type PaymentMethod } from './labels.js';
import type { InvoicePaid } from './events.js';

export type { InvoiceRow } from './queries.js';
export { INVOICE_STATUSES, PAYMENT_METHODS, type PaymentMethod } from './labels.js';
export type { CardSaved, InvoicePaid } from './events.js';

export interface InvoiceLineInput {
  description: string;
  quantity: number;
  unitCents: number;
}

export interface NewInvoice {
  userId: number;
  /** Name and postal address, as they should stay printed on this invoice. */
  billTo: string;
  lines: InvoiceLineInput[];
  dueAt: Date;
  actorUserId?: number | null;
}

export interface PaymentInput {
  method: PaymentMethod;
  amountCents: number;
  reference: string;
  /** The payment processor's id for this payment (e.g. a Stripe payment intent): recorded once. */
  externalId?: string | null;
  actorUserId: number | null;
  /** Who to name in the audit log (an admin, or Stripe); nothing is logged without it. */
  by?: AuditBy;
}

export interface RefundInput {
  amountCents: number;
  reference: string;
  /** How the money went back; by default the way the last payment came in. */
  method?: PaymentMethod;
  actorUserId: number | null;
  by?: AuditBy;
}

export interface VoidInput {
  reason: string;
  actorUserId: number | null;
  by?: AuditBy;
}

export interface PaymentOutcome {
  invoice: InvoiceRow;
  payment: PaymentRow;
  /** This call marked the invoice paid (and emitted `invoice.paid`). */
  paidNow: boolean;
  /** The externalId had already been recorded: nothing changed, this is the earlier outcome. */
  alreadyRecorded: boolean;
}

/** A card payment billing would not take, and what became of its refund at the card processor. */
export interface ReturnedPaymentInput {
  /** The processor's id for the payment (a Stripe payment intent). */
  externalId: string;
  amountCents: number;
  /** The processor's refund; null when it said the payment had been refunded already. */
  refund: { id: string; amountCents: number; failed: boolean } | null;
}

export type ReturnedPaymentHandler = (trx: Transaction<DB>, invoice: InvoiceRow & { user_name: string; user_email: string }) => Promise<void>;

/** The history entry of a card payment refunded because its invoice could not take it. */
const RETURNED_PAYMENT = 'payment_returned';

/** Invoices in these states take no payment any more (see `record`). */
const CLOSED: readonly InvoiceStatus[] = ['paid', 'refunded', 'void'];

export type PaymentWithName = PaymentRow & { recorded_by_name: string | null };
export type InvoiceEventWithName = InvoiceEventRow & { actor_name: string | null };

/** What screens and the PDF show of one invoice. */
export interface InvoiceDetail extends InvoiceRow {
  user_name: string;
  user_email: string;
  lines: InvoiceLineRow[];
  payments: PaymentWithName[];
  events: InvoiceEventWithName[];
  /** Payments minus refunds: the money the association holds for this invoice. */
  receivedCents: number;
  refundedCents: number;
  /** What is still owed (0 once paid, refunded or void). */
  balanceCents: number;
}

/** Thrown inside a transaction to roll it back and answer with messages instead. */
class Refusal extends Error {
  constructor(
    readonly errors: FieldErrors,
    readonly code: RefusalCode = 'invalid',
  ) {
    super('refused');
  }
}

/** Thrown inside a transaction to roll it back when the payment had already been recorded. */
class AlreadyRecorded extends Error {
  constructor(readonly payment: PaymentRow) {
    super('already recorded');
  }
}

/** A programming mistake in what another module asked for (not something a user typed). */
export class InvoiceInputError extends Error {}

const MAX_QUANTITY = 10_000;
/** Totals stay inside a PostgreSQL integer column. */
const MAX_TOTAL_CENTS = 2_000_000_000;

function totals(payments: Pick<PaymentRow, 'kind' | 'amount_cents'>[]) {
  let paid = 0;
  let refunded = 0;
  for (const p of payments) {
    if (p.kind === 'payment') paid += p.amount_cents;
    else refunded += p.amount_cents;
  }
  return { paid, refunded, received: paid - refunded };
}

const isWholeCents = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

function notVoidable(invoice: { number: number; status: InvoiceRow['status'] }): string | null {
  if (invoice.status === 'void') return `Invoice ${invoice.number} is already void.`;
  if (invoice.status !== 'unpaid') return `Invoice ${invoice.number} is ${invoice.status}: only an unpaid invoice can be voided.`;
  return null;
}

/**
 * Invoices, their payments and refunds. Numbers are gap-free; every action is written to the
 * invoice's history with who did it; other modules learn that an invoice was paid from the
 * `invoice.paid` event, whose handlers run in the same transaction (a handler that throws undoes
 * the payment too). Billing does not know what an invoice is for: the module that issues one
 * links it to its own records.
 */
export class BillingService {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private events: Events,
  ) {}

  /**
   * Issue an invoice inside the caller's transaction (so it exists only if the caller's change
   * commits). Throws InvoiceInputError for amounts that are not whole, non-negative cents.
   */
  async createInvoice(trx: Transaction<DB>, input: NewInvoice): Promise<InvoiceRow> {
    const billTo = input.billTo.trim();
    if (!billTo) throw new InvoiceInputError('An invoice needs a name to bill.');
    if (input.lines.length === 0) throw new InvoiceInputError('An invoice needs at least one line.');
    const lines = input.lines.map((line) => {
      const description = line.description.trim();
      if (!description) throw new InvoiceInputError('Every invoice line needs a description.');
      if (!isWholeCents(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
        throw new InvoiceInputError(`Quantity must be a whole number from 1 to ${MAX_QUANTITY}: ${line.quantity}`);
      }
      if (!isWholeCents(line.unitCents) || line.unitCents < 0 || line.unitCents > MAX_CENTS) {
        throw new InvoiceInputError(`A unit price must be whole cents from 0 to ${MAX_CENTS}: ${line.unitCents}`);
      }
      return { description, quantity: line.quantity, unit_cents: line.unitCents, amount_cents: line.quantity * line.unitCents };
    });
    const total = lines.reduce((sum, l) => sum + l.amount_cents, 0);
    if (total <= 0) throw new InvoiceInputError('An invoice must total more than $0.00.');
    if (total > MAX_TOTAL_CENTS) throw new InvoiceInputError(`An invoice may total at most ${formatMoney(MAX_TOTAL_CENTS)}.`);
    if (Number.isNaN(input.dueAt.getTime())) throw new InvoiceInputError('An invoice date is not a valid date.');

    const now = iso(this.clock.now());
    const number = await q.nextInvoiceNumber(trx);
    const invoice = await q.insertInvoice(trx, {
      number,
      user_id: input.userId,
      status: 'unpaid',
      currency: 'USD',
      total_cents: total,
      bill_to: billTo,
      issued_at: now,
      due_at: iso(input.dueAt),
      paid_at: null,
      created_at: now,
      updated_at: now,
    });
    await q.insertLines(
      trx,
      lines.map((l) => ({ ...l, invoice_id: invoice.id })),
    );
    await q.insertEvent(trx, {
      invoice_id: invoice.id,
      action: 'issued',
      detail: `Invoice ${number} issued for ${formatMoney(total)}.`,
      actor_user_id: input.actorUserId ?? null,
      created_at: now,
    });
    return invoice;
  }

  /** An audit log entry about an invoice, naming the member it is for. */
  private async audit(
    trx: Transaction<DB>,
    by: AuditBy | undefined,
    now: string,
    invoice: InvoiceRow,
    action: string,
    summary: string,
    changes: { field: string; before: string; after: string }[],
  ) {
    if (!by) return;
    const payer = await q.findInvoiceWithUser(trx, invoice.id);
    await recordAudit(trx, by, now, {
      action,
      summary: payer ? `${summary} (${payer.user_name})` : summary,
      subject: { type: 'invoice', id: invoice.id, label: `Invoice ${invoice.number}` },
      person: payer ? { userId: payer.user_id, name: payer.user_name } : null,
      changes,
    });
  }

  /** Run `work` in a transaction; a Refusal rolls it back and becomes a refused outcome. */
  private async decide<T>(work: (trx: Transaction<DB>, now: string) => Promise<T>): Promise<Outcome<T>> {
    try {
      const now = iso(this.clock.now());
      return ok(await this.db.transaction().execute((trx) => work(trx, now)));
    } catch (err) {
      if (err instanceof Refusal) return refused(err.errors, err.code);
      throw err;
    }
  }

  /** The invoice, locked for the rest of the transaction, with its payments so far. */
  private async lockWithPayments(trx: Transaction<DB>, invoiceId: number, now: string) {
    const invoice = await q.lockInvoice(trx, invoiceId, now);
    if (!invoice) throw new Refusal({ form: 'This invoice does not exist.' }, 'not_found');
    const payments = await q.paymentsOf(trx, [invoice.id]);
    return { invoice, payments, ...totals(payments) };
  }

  /**
   * Record money received. When payments then cover the total, the invoice is marked paid and
   * `invoice.paid` is emitted, all in one transaction. A payment whose externalId is already recorded
   * changes nothing and answers with the earlier outcome (payment processors repeat webhooks).
   */
  async recordPayment(invoiceId: number, input: PaymentInput): Promise<Outcome<PaymentOutcome>> {
    if (!(input.method in PAYMENT_METHODS)) return refused({ method: 'Choose how the payment was made.' });
    if (!isWholeCents(input.amountCents) || input.amountCents <= 0) return refused({ amount: 'Enter an amount of more than $0.00.' });
    const reference = input.reference.trim();
    const externalId = input.externalId?.trim() || null;
    const repeated = async (earlier: PaymentRow): Promise<Outcome<PaymentOutcome>> => {
      const invoice = await q.findInvoice(this.db, earlier.invoice_id);
      if (!invoice) throw new Error(`Payment ${earlier.id} has no invoice`);
      if (invoice.id !== invoiceId) return refused({ form: `Payment ${externalId} was already recorded, for invoice ${invoice.number}.` });
      return ok({ invoice, payment: earlier, paidNow: false, alreadyRecorded: true });
    };
    if (externalId) {
      const earlier = await q.findPaymentByExternalId(this.db, externalId);
      if (earlier) return repeated(earlier);
    }
    try {
      return await this.record(invoiceId, { ...input, reference, externalId });
    } catch (err) {
      if (err instanceof AlreadyRecorded) return repeated(err.payment);
      // The same payment sent for two invoices at once: the unique external_id stopped the second.
      const earlier = externalId ? await q.findPaymentByExternalId(this.db, externalId) : undefined;
      if (earlier) return repeated(earlier);
      throw err;
    }
  }

  private record(invoiceId: number, input: PaymentInput & { externalId: string | null }) {
    const { reference, externalId } = input;
    return this.decide<PaymentOutcome>(async (trx, now) => {
      const { invoice, received } = await this.lockWithPayments(trx, invoiceId, now);
      if (externalId) {
        // Again under the lock: a delivery that raced the first one waited for it and sees it now.
        const earlier = await q.findPaymentByExternalId(trx, externalId);
        if (earlier) throw new AlreadyRecorded(earlier);
      }
      if (invoice.status === 'void') throw new Refusal({ form: `Invoice ${invoice.number} is void: it cannot be paid.` });
      if (invoice.status !== 'unpaid') throw new Refusal({ form: `Invoice ${invoice.number} is already ${invoice.status === 'paid' ? 'paid' : 'refunded'}: no payment is due.` });
      const balance = invoice.total_cents - received;
      if (input.amountCents > balance) {
        throw new Refusal({ amount: `The balance due is ${formatMoney(balance)}; record at most that.` });
      }
      const payment = await q.insertPayment(trx, {
        invoice_id: invoice.id,
        kind: 'payment',
        method: input.method,
        amount_cents: input.amountCents,
        reference,
        external_id: externalId,
        recorded_by: input.actorUserId,
        created_at: now,
      });
      const paidNow = input.amountCents === balance;
      const remaining = balance - input.amountCents;
      await this.audit(trx, input.by, now, invoice, 'invoice.payment', `Recorded a payment of ${formatMoney(input.amountCents)} on invoice ${invoice.number}`, [
        { field: 'Amount', before: '', after: formatMoney(input.amountCents) },
        { field: 'Method', before: '', after: PAYMENT_METHODS[input.method] },
        ...(reference ? [{ field: 'Reference', before: '', after: reference }] : []),
        ...(paidNow ? [{ field: 'Status', before: 'unpaid', after: 'paid' }] : []),
      ]);
      await q.insertEvent(trx, {
        invoice_id: invoice.id,
        action: 'payment',
        detail:
          `Payment of ${formatMoney(input.amountCents)} by ${PAYMENT_METHODS[input.method].toLowerCase()}${reference ? ` (reference ${reference})` : ''}; ` +
          (paidNow ? 'paid in full.' : `${formatMoney(remaining)} still due.`),
        actor_user_id: input.actorUserId,
        created_at: now,
      });
      let current = invoice;
      if (paidNow) {
        current = await q.updateInvoice(trx, invoice.id, { status: 'paid', paid_at: now, updated_at: now });
        const paid: InvoicePaid = {
          invoiceId: current.id,
          number: current.number,
          userId: current.user_id,
          totalCents: current.total_cents,
          currency: current.currency,
          paidAt: now,
        };
        await this.events.emit(trx, 'invoice.paid', paid);
      }
      return { invoice: current, payment, paidNow, alreadyRecorded: false };
    });
  }

  /**
   * Whether a card payment that `recordPayment` refused should be given back: its invoice is paid,
   * refunded or void (so no payment can ever be recorded on it) and the payment is recorded on no
   * invoice. `noted` when its refund is in the invoice's history already. Undefined otherwise (an
   * unknown invoice, or an unpaid one that refused it for another reason: that stays for a person).
   */
  async paymentToReturn(invoiceId: number, externalId: string): Promise<{ invoice: InvoiceRow; noted: boolean } | undefined> {
    const invoice = await q.findInvoice(this.db, invoiceId);
    if (!invoice || !CLOSED.includes(invoice.status)) return undefined;
    if (await q.findPaymentByExternalId(this.db, externalId)) return undefined;
    // A card payment an admin recorded by hand may be this very one (the webhook failed, the
    // treasurer wrote it in): not returned automatically, left for a person to check in Stripe.
    const payments = await q.paymentsOf(this.db, [invoiceId]);
    if (payments.some((p) => p.kind === 'payment' && p.method === 'card' && p.external_id === null)) return undefined;
    return { invoice, noted: await this.returnNoted(this.db, invoiceId, externalId) };
  }

  private async returnNoted(executor: Executor, invoiceId: number, externalId: string) {
    return (await q.eventsOfAction(executor, invoiceId, RETURNED_PAYMENT)).some((e) => e.detail.includes(`(${externalId})`));
  }

  /**
   * Write into the invoice's history that a card payment it could not take went back to the payer
   * (it is not a payment of the invoice: totals and status stay as they are). Once per payment:
   * false, and nothing done, when it is noted already. `then` runs in the same transaction, only
   * when the money did go back (to queue the payer's e-mail).
   */
  async noteReturnedPayment(invoiceId: number, input: ReturnedPaymentInput, then?: ReturnedPaymentHandler): Promise<boolean> {
    const now = iso(this.clock.now());
    return this.db.transaction().execute(async (trx) => {
      // Under the invoice's lock, so two deliveries of the same event write one entry.
      const locked = await q.lockInvoice(trx, invoiceId, now);
      if (!locked) throw new Error(`Invoice id ${invoiceId} does not exist`);
      if (await this.returnNoted(trx, invoiceId, input.externalId)) return false;
      const amount = formatMoney(input.amountCents);
      const arrived =
        locked.status === 'paid'
          ? `A second card payment of ${amount} (${input.externalId}) arrived after the invoice was already paid`
          : `A card payment of ${amount} (${input.externalId}) arrived after the invoice was ${locked.status === 'void' ? 'voided' : 'refunded'}`;
      const { refund } = input;
      const outcome = !refund
        ? 'it had already been refunded in Stripe.'
        : refund.failed
          ? `its automatic refund (Stripe refund ${refund.id}) failed: refund it from the Stripe dashboard.`
          : refund.amountCents === input.amountCents
            ? `it was refunded automatically (Stripe refund ${refund.id}).`
            : `${formatMoney(refund.amountCents)} of it was refunded automatically (Stripe refund ${refund.id}); the rest had been refunded already.`;
      await q.insertEvent(trx, { invoice_id: invoiceId, action: RETURNED_PAYMENT, detail: `${arrived}; ${outcome}`, actor_user_id: null, created_at: now });
      if (then && !refund?.failed) await then(trx, (await q.findInvoiceWithUser(trx, invoiceId))!);
      return true;
    });
  }

  /**
   * Record money given back, at most what was received. Giving back everything on a paid invoice
   * makes it refunded. An unpaid invoice's part-payment may be refunded too (so it can be voided).
   */
  async recordRefund(invoiceId: number, input: RefundInput): Promise<Outcome<{ invoice: InvoiceRow; refund: PaymentRow }>> {
    if (!isWholeCents(input.amountCents) || input.amountCents <= 0) return refused({ amount: 'Enter an amount of more than $0.00.' });
    if (input.method !== undefined && !(input.method in PAYMENT_METHODS)) return refused({ method: 'Choose how the money was returned.' });
    const reference = input.reference.trim();
    return this.decide(async (trx, now) => {
      const { invoice, payments, received } = await this.lockWithPayments(trx, invoiceId, now);
      if (invoice.status === 'void') throw new Refusal({ form: `Invoice ${invoice.number} is void: there is nothing to refund.` });
      if (received <= 0) throw new Refusal({ form: `No money is held for invoice ${invoice.number}: there is nothing to refund.` });
      if (input.amountCents > received) {
        throw new Refusal({ amount: `At most ${formatMoney(received)} was received and not yet refunded; refund at most that.` });
      }
      const lastPayment = payments.filter((p) => p.kind === 'payment').at(-1)!;
      const method = input.method ?? lastPayment.method;
      const refund = await q.insertPayment(trx, {
        invoice_id: invoice.id,
        kind: 'refund',
        method,
        amount_cents: input.amountCents,
        reference,
        external_id: null,
        recorded_by: input.actorUserId,
        created_at: now,
      });
      const fully = input.amountCents === received && invoice.status === 'paid';
      await this.audit(trx, input.by, now, invoice, 'invoice.refund', `Recorded a refund of ${formatMoney(input.amountCents)} on invoice ${invoice.number}`, [
        { field: 'Amount', before: '', after: formatMoney(input.amountCents) },
        { field: 'Method', before: '', after: PAYMENT_METHODS[method] },
        ...(reference ? [{ field: 'Reference', before: '', after: reference }] : []),
        ...(fully ? [{ field: 'Status', before: 'paid', after: 'refunded' }] : []),
      ]);
      await q.insertEvent(trx, {
        invoice_id: invoice.id,
        action: 'refund',
        detail:
          `Refund of ${formatMoney(input.amountCents)} by ${PAYMENT_METHODS[method].toLowerCase()}${reference ? ` (reference ${reference})` : ''}` +
          (fully ? '; refunded in full.' : '.'),
        actor_user_id: input.actorUserId,
        created_at: now,
      });
      const current = fully ? await q.updateInvoice(trx, invoice.id, { status: 'refunded', updated_at: now }) : invoice;
      return { invoice: current, refund };
    });
  }

  /** Cancel an unpaid invoice that holds no money; it keeps its number. */
  /** Why an invoice cannot be voided because of its status (null when it is unpaid). */
  notVoidable = notVoidable;

  async voidInvoice(invoiceId: number, input: VoidInput): Promise<Outcome<InvoiceRow>> {
    const reason = input.reason.trim();
    if (!reason) return refused({ reason: 'Say why the invoice is void (members may ask).' });
    if (reason.length > 500) return refused({ reason: 'Use at most 500 characters for the reason.' });
    return this.decide(async (trx, now) => {
      const { invoice, received } = await this.lockWithPayments(trx, invoiceId, now);
      const closed = notVoidable(invoice);
      if (closed) throw new Refusal({ form: closed });
      if (received > 0) {
        throw new Refusal({ form: `${formatMoney(received)} has been received for invoice ${invoice.number}: refund it before voiding the invoice.` });
      }
      return this.markVoid(trx, invoice, { ...input, reason }, now);
    });
  }

  /**
   * Void, inside the caller's transaction, those of `invoiceIds` that are still open (unpaid, with
   * nothing received): each is locked first, as `voidInvoice` does; the others are left as they
   * are. Returns the invoices it voided. Throws what an `invoice.voided` handler throws, so the
   * caller's whole change rolls back with it.
   */
  async voidOpenInvoices(trx: Transaction<DB>, invoiceIds: readonly number[], input: VoidInput): Promise<InvoiceRow[]> {
    const reason = input.reason.trim();
    if (!reason || reason.length > 500) throw new InvoiceInputError('A void needs a reason of at most 500 characters.');
    const now = iso(this.clock.now());
    const voided: InvoiceRow[] = [];
    for (const id of [...invoiceIds].sort((a, b) => a - b)) {
      const locked = await q.lockInvoice(trx, id, now);
      if (!locked || notVoidable(locked)) continue;
      if (totals(await q.paymentsOf(trx, [locked.id])).received > 0) continue;
      voided.push(await this.markVoid(trx, locked, { ...input, reason }, now));
    }
    return voided;
  }

  /** Mark a locked, voidable invoice void, with its audit and history lines, and emit `invoice.voided`. */
  private async markVoid(trx: Transaction<DB>, invoice: InvoiceRow, input: VoidInput, now: string) {
    const voided = await q.updateInvoice(trx, invoice.id, { status: 'void', updated_at: now });
    await this.audit(trx, input.by, now, invoice, 'invoice.void', `Voided invoice ${invoice.number}`, [
      { field: 'Status', before: 'unpaid', after: 'void' },
      { field: 'Reason', before: '', after: input.reason },
    ]);
    await q.insertEvent(trx, { invoice_id: invoice.id, action: 'void', detail: `Voided: ${input.reason}`, actor_user_id: input.actorUserId, created_at: now });
    await this.events.emit(trx, 'invoice.voided', { invoiceId: invoice.id, number: invoice.number, userId: invoice.user_id, reason: input.reason, actorUserId: input.actorUserId });
    return voided;
  }

  /** A user's invoices, newest first. */
  listForUser = (userId: number, db: Executor = this.db) => q.listForUser(db, userId);

  /** One invoice with its lines, payments, history and amounts, or undefined. */
  async get(id: number): Promise<InvoiceDetail | undefined> {
    const invoice = await q.findInvoiceWithUser(this.db, id);
    if (!invoice) return undefined;
    const [lines, payments, events] = await Promise.all([q.linesOf(this.db, [id]), q.paymentsOf(this.db, [id]), q.eventsOf(this.db, [id])]);
    const { received, refunded } = totals(payments);
    const balance = invoice.status === 'unpaid' ? invoice.total_cents - received : 0;
    return { ...invoice, lines, payments, events, receivedCents: received, refundedCents: refunded, balanceCents: balance };
  }

  /** A page of invoices for admins, newest first, optionally of one status. */
  async list(options: { status?: InvoiceStatus; page: number; perPage: number }) {
    const [invoices, total] = await Promise.all([
      q.listInvoices(this.db, { status: options.status, limit: options.perPage, offset: (options.page - 1) * options.perPage }),
      q.countInvoices(this.db, options.status),
    ]);
    return { invoices, total, pages: Math.max(1, Math.ceil(total / options.perPage)) };
  }

  /** The invoice as a PDF, in the association's name and time zone; undefined when unknown. */
  async pdf(id: number): Promise<{ invoice: InvoiceDetail; pdf: Buffer } | undefined> {
    const [invoice, settings] = await Promise.all([this.get(id), this.state.getSettings()]);
    if (!invoice) return undefined;
    return { invoice, pdf: await invoicePdf(invoice, settings) };
  }

  /** Whether an unpaid invoice's due date has passed. */
  isOverdue(invoice: Pick<InvoiceRow, 'status' | 'due_at'>) {
    return invoice.status === 'unpaid' && invoice.due_at < iso(this.clock.now());
  }
}
