import type { Insertable, Selectable, Transaction } from 'kysely';
import type { Db, Executor } from '#core/db/index.js';
import type { DB } from '#core/db/schema.js';
import type { InvoiceEventsTable, InvoiceLinesTable, InvoiceStatus, InvoicesTable, PaymentsTable } from './tables.js';

export type InvoiceRow = Selectable<InvoicesTable>;
export type InvoiceLineRow = Selectable<InvoiceLinesTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type InvoiceEventRow = Selectable<InvoiceEventsTable>;

const INVOICE_NUMBER = 'invoice_number';

/**
 * The next invoice number, taken in the caller's transaction. The upsert's row lock is held until
 * that transaction ends, so a concurrent caller waits and then sees the committed value (or the
 * old one, if this transaction rolled back): numbers are never shared and never skipped.
 */
export async function nextInvoiceNumber(trx: Transaction<DB>): Promise<number> {
  const row = await trx
    .insertInto('counters')
    .values({ name: INVOICE_NUMBER, value: 1 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

export const insertInvoice = (db: Executor, invoice: Insertable<InvoicesTable>) => db.insertInto('invoices').values(invoice).returningAll().executeTakeFirstOrThrow();

export const insertLines = (db: Executor, lines: Insertable<InvoiceLinesTable>[]) => db.insertInto('invoice_lines').values(lines).execute();

export const findInvoice = (db: Executor, id: number) => db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();

/** An invoice with the name and address of the user it is for (read-only use of `users`). */
export const findInvoiceWithUser = (db: Executor, id: number) =>
  db
    .selectFrom('invoices')
    .innerJoin('users', 'users.id', 'invoices.user_id')
    .selectAll('invoices')
    .select(['users.name as user_name', 'users.email as user_email'])
    .where('invoices.id', '=', id)
    .executeTakeFirst();

/**
 * Take the invoice's row lock for the rest of the transaction (PostgreSQL row lock; SQLite's write
 * lock), so two payments on one invoice are decided one after the other. A plain UPDATE does it
 * in both dialects, where SELECT … FOR UPDATE exists only in one.
 */
export const lockInvoice = (db: Transaction<DB>, id: number, now: string) =>
  db.updateTable('invoices').set({ updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();

export const updateInvoice = (db: Executor, id: number, values: Partial<Pick<InvoiceRow, 'status' | 'paid_at' | 'updated_at'>>) =>
  db.updateTable('invoices').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

/** Lines of several invoices at once, in the order they were written. */
export const linesOf = (db: Executor, invoiceIds: number[]) =>
  invoiceIds.length === 0
    ? Promise.resolve([] as InvoiceLineRow[])
    : db.selectFrom('invoice_lines').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('invoice_id').orderBy('id').execute();

/** Payments and refunds of several invoices, oldest first, with the name of who recorded each. */
export const paymentsOf = (db: Executor, invoiceIds: number[]) =>
  invoiceIds.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('payments')
        .leftJoin('users', 'users.id', 'payments.recorded_by')
        .selectAll('payments')
        .select('users.name as recorded_by_name')
        .where('payments.invoice_id', 'in', invoiceIds)
        .orderBy('payments.invoice_id')
        .orderBy('payments.id')
        .execute();

/** The history of several invoices, oldest first, with the name of who acted. */
export const eventsOf = (db: Executor, invoiceIds: number[]) =>
  invoiceIds.length === 0
    ? Promise.resolve([])
    : db
        .selectFrom('invoice_events')
        .leftJoin('users', 'users.id', 'invoice_events.actor_user_id')
        .selectAll('invoice_events')
        .select('users.name as actor_name')
        .where('invoice_events.invoice_id', 'in', invoiceIds)
        .orderBy('invoice_events.invoice_id')
        .orderBy('invoice_events.id')
        .execute();

export const findPaymentByExternalId = (db: Executor, externalId: string) => db.selectFrom('payments').selectAll().where('external_id', '=', externalId).executeTakeFirst();

export const insertPayment = (db: Executor, payment: Insertable<PaymentsTable>) => db.insertInto('payments').values(payment).returningAll().executeTakeFirstOrThrow();

/** One invoice's history entries of one kind, oldest first. */
export const eventsOfAction = (db: Executor, invoiceId: number, action: string) =>
  db.selectFrom('invoice_events').selectAll().where('invoice_id', '=', invoiceId).where('action', '=', action).orderBy('id').execute();

export const insertEvent = (db: Executor, event: Insertable<InvoiceEventsTable>) => db.insertInto('invoice_events').values(event).execute();

export const listForUser = (db: Executor, userId: number) =>
  db.selectFrom('invoices').selectAll().where('user_id', '=', userId).orderBy('issued_at', 'desc').orderBy('number', 'desc').execute();

/** A page of invoices for admins, newest first, with whom each is for. */
export function listInvoices(db: Db, options: { status?: InvoiceStatus; limit: number; offset: number }) {
  let q = db.selectFrom('invoices').innerJoin('users', 'users.id', 'invoices.user_id').selectAll('invoices').select(['users.name as user_name', 'users.email as user_email']);
  if (options.status) q = q.where('invoices.status', '=', options.status);
  return q.orderBy('invoices.number', 'desc').limit(options.limit).offset(options.offset).execute();
}

export async function countInvoices(db: Db, status?: InvoiceStatus) {
  let q = db.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n'));
  if (status) q = q.where('status', '=', status);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}
