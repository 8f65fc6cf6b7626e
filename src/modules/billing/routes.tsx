import { actorOf } from '#core/audit/index.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { userOf } from '#core/auth/guards.js';
import type { InvoiceStatus } from './tables.js';
import { formValues, optionalText, parseForm, text } from '#core/http/forms.js';
import { findById, parseId, parsePageNumber } from '#core/http/params.js';
import { formatMoney, MAX_CENTS, parseMoney } from '#core/money.js';
import type { SiteState } from '#core/settings.js';
import type { FieldErrors } from '#core/views/forms.js';
import { INVOICE_STATUSES, PAYMENT_METHODS, type PaymentMethod } from './labels.js';
import type { BillingService, InvoiceDetail } from './service.js';
import * as v from './views.js';

/** An amount in dollars as typed ("125.00") → whole cents, refused beside the field otherwise. */
const dollars = z
  .string({ error: 'Enter the amount in dollars, such as 125.00.' })
  .trim()
  .min(1, 'Enter the amount in dollars, such as 125.00.')
  .transform((value, ctx) => {
    const cents = parseMoney(value);
    if (cents !== null) return cents;
    ctx.addIssue({
      code: 'custom',
      message: value.startsWith('-')
        ? 'Enter the amount without a minus sign.'
        : `Enter the amount in dollars and cents, such as 125.00: digits, at most two after the point, up to ${formatMoney(MAX_CENTS)}.`,
    });
    return z.NEVER;
  })
  .refine((cents) => cents > 0, 'Enter an amount of more than $0.00.');

const method = z.enum(Object.keys(PAYMENT_METHODS) as [PaymentMethod, ...PaymentMethod[]], { error: 'Choose a method from the list.' });

const paymentInput = z.object({ method, amount: dollars, reference: optionalText('the reference', 200) });
const refundInput = z.object({ refund_method: method, refund_amount: dollars, refund_reference: optionalText('the reference', 200) });
const voidInput = z.object({ reason: text('the reason', 500) });

const isStatus = (value: unknown): value is InvoiceStatus => typeof value === 'string' && Object.hasOwn(INVOICE_STATUSES, value);

/** The refund form's fields carry a prefix, so they can share the page with the payment form. */
const asRefundErrors = (errors: FieldErrors): FieldErrors => Object.fromEntries(Object.entries(errors).map(([k, message]) => [k === 'form' ? k : `refund_${k}`, message]));

interface Deps {
  billing: BillingService;
  state: SiteState;
}

export async function billingRoutes(app: FastifyInstance, { billing, state }: Deps) {
  async function detailPage(reply: FastifyReply, invoice: InvoiceDetail, form?: v.FormState) {
    const settings = await state.getSettings();
    return reply.page({
      status: form ? 422 : 200,
      title: `Invoice ${invoice.number}`,
      admin: true,
      body: <v.InvoicePage invoice={invoice} timeZone={settings.timeZone} overdue={billing.isOverdue(invoice)} csrf={reply.csrfToken()} state={form} />,
    });
  }

  async function sendPdf(reply: FastifyReply, rawId: string, allowed: (invoice: InvoiceDetail) => boolean) {
    const id = parseId(rawId);
    const found = id === null ? undefined : await billing.pdf(id);
    if (!found || !allowed(found.invoice)) return reply.callNotFound();
    return reply
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="invoice-${found.invoice.number}.pdf"`)
      .type('application/pdf')
      .send(found.pdf);
  }

  const loadInvoice = (request: FastifyRequest<{ Params: { id: string } }>) => findById(request.params.id, (id) => billing.get(id));

  app.get<{ Querystring: { status?: string; page?: string } }>('/admin/invoices', async (request, reply) => {
    const status = isStatus(request.query.status) ? request.query.status : undefined;
    const page = parsePageNumber(request.query.page);
    const [{ invoices, total, pages }, settings] = await Promise.all([billing.list({ status, page, perPage: 50 }), state.getSettings()]);
    return reply.page({
      title: status ? `Invoices: ${INVOICE_STATUSES[status].toLowerCase()}` : 'Invoices',
      admin: true,
      body: (
        <v.InvoiceList
          invoices={invoices}
          status={status}
          page={Math.min(page, pages)}
          pages={pages}
          total={total}
          timeZone={settings.timeZone}
          overdue={(i) => billing.isOverdue(i)}
        />
      ),
    });
  });

  app.get<{ Params: { id: string } }>('/admin/invoices/:id', async (request, reply) => {
    const invoice = await loadInvoice(request);
    if (!invoice) return reply.callNotFound();
    return detailPage(reply, invoice);
  });

  app.post<{ Params: { id: string } }>('/admin/invoices/:id/payments', async (request, reply) => {
    const invoice = await loadInvoice(request);
    if (!invoice) return reply.callNotFound();
    const form = parseForm(paymentInput, request.body);
    const result = form.ok
      ? await billing.recordPayment(invoice.id, {
          method: form.data.method,
          amountCents: form.data.amount,
          reference: form.data.reference,
          actorUserId: userOf(request).id,
          by: actorOf(request),
        })
      : form;
    if (!result.ok) {
      return detailPage(reply, (await billing.get(invoice.id))!, { form: 'payment', values: formValues(request.body), errors: result.errors });
    }
    const { payment, paidNow } = result.value;
    const balance = invoice.balanceCents - payment.amount_cents;
    reply.setFlash(
      'success',
      paidNow
        ? `Payment of ${formatMoney(payment.amount_cents)} recorded. Invoice ${invoice.number} is paid.`
        : `Payment of ${formatMoney(payment.amount_cents)} recorded; ${formatMoney(balance)} is still due.`,
    );
    return reply.redirect(`/admin/invoices/${invoice.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/invoices/:id/refunds', async (request, reply) => {
    const invoice = await loadInvoice(request);
    if (!invoice) return reply.callNotFound();
    const form = parseForm(refundInput, request.body);
    const result = form.ok
      ? await billing.recordRefund(invoice.id, {
          method: form.data.refund_method,
          amountCents: form.data.refund_amount,
          reference: form.data.refund_reference,
          actorUserId: userOf(request).id,
          by: actorOf(request),
        })
      : form;
    if (!result.ok) {
      const errors = form.ok ? asRefundErrors(result.errors) : result.errors;
      return detailPage(reply, (await billing.get(invoice.id))!, { form: 'refund', values: formValues(request.body), errors });
    }
    const { refund, invoice: after } = result.value;
    reply.setFlash(
      'success',
      after.status === 'refunded'
        ? `Refund of ${formatMoney(refund.amount_cents)} recorded. Invoice ${invoice.number} is refunded.`
        : `Refund of ${formatMoney(refund.amount_cents)} recorded.`,
    );
    return reply.redirect(`/admin/invoices/${invoice.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/invoices/:id/void', async (request, reply) => {
    const invoice = await loadInvoice(request);
    if (!invoice) return reply.callNotFound();
    // Paid, refunded or void meanwhile (another admin, a card payment): that is the answer, whatever the reason field says.
    const closed = billing.notVoidable(invoice);
    if (closed) return detailPage(reply, invoice, { form: 'void', values: formValues(request.body), errors: { form: closed } });
    const form = parseForm(voidInput, request.body);
    const result = form.ok ? await billing.voidInvoice(invoice.id, { reason: form.data.reason, actorUserId: userOf(request).id, by: actorOf(request) }) : form;
    if (!result.ok) {
      return detailPage(reply, (await billing.get(invoice.id))!, { form: 'void', values: formValues(request.body), errors: result.errors });
    }
    reply.setFlash('success', `Invoice ${invoice.number} is void.`);
    return reply.redirect(`/admin/invoices/${invoice.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/invoices/:id/pdf', async (request, reply) => sendPdf(reply, request.params.id, () => true));

  // A member's own invoice; anyone else's answers 404, as if it did not exist.
  app.get<{ Params: { id: string } }>('/account/invoices/:id/pdf', async (request, reply) =>
    sendPdf(reply, request.params.id, (invoice) => invoice.user_id === userOf(request).id),
  );
}
