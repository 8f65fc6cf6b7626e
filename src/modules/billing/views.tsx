import type { InvoiceStatus } from './tables.js';
import { formatMoney } from '#core/money.js';
import { Field, Form, Select, TextArea, type FieldErrors } from '#core/views/forms.js';
import { Pagination } from '#core/views/pagination.js';
import { formatDate, formatDateTime } from '#core/views/render.js';
import { INVOICE_STATUSES, PAYMENT_METHODS } from './labels.js';
import type { InvoiceRow } from './queries.js';
import type { InvoiceDetail } from './service.js';

type ListedInvoice = InvoiceRow & { user_name: string; user_email: string };

function StatusBadge({ invoice, overdue }: { invoice: Pick<InvoiceRow, 'status'>; overdue?: boolean }) {
  if (invoice.status === 'unpaid' && overdue) return <span class="badge draft">Unpaid, overdue</span>;
  return <span class={invoice.status === 'unpaid' ? 'badge draft' : 'badge'}>{INVOICE_STATUSES[invoice.status]}</span>;
}

const statusOptions = [{ value: '', label: 'All invoices' }, ...Object.entries(INVOICE_STATUSES).map(([value, label]) => ({ value, label }))];

export function InvoiceList(props: {
  invoices: ListedInvoice[];
  status?: InvoiceStatus;
  page: number;
  pages: number;
  total: number;
  timeZone: string;
  overdue: (invoice: InvoiceRow) => boolean;
}) {
  const { invoices, status, timeZone } = props;
  return (
    <>
      <form method="get" action="/admin/invoices" class="stack" aria-label="Filter invoices">
        <Select name="status" label="Show" value={status ?? ''} options={statusOptions} />
        <div class="form-actions">
          <button type="submit">Show</button>
        </div>
      </form>
      {invoices.length === 0 ? (
        <p>{status ? `No ${INVOICE_STATUSES[status].toLowerCase()} invoices.` : 'No invoices yet. Invoices are issued when members join or renew.'}</p>
      ) : (
        <>
          <p class="muted">
            {props.total === 1 ? '1 invoice' : `${props.total} invoices`}
            {status ? ` ${INVOICE_STATUSES[status].toLowerCase()}` : ''}.
          </p>
          <div class="table-wrap" role="region" aria-label="Invoices" tabIndex={0}>
            <table class="data">
              <caption class="visually-hidden">Invoices</caption>
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col">For</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Due</th>
                  <th scope="col">Total</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {invoices.map((i) => (
                  <tr>
                    <td>
                      <a href={`/admin/invoices/${i.id}`}>Invoice {i.number}</a>
                    </td>
                    <td>
                      {i.user_name} <span class="muted">{i.user_email}</span>
                    </td>
                    <td>{formatDate(i.issued_at, timeZone)}</td>
                    <td>{formatDate(i.due_at, timeZone)}</td>
                    <td>{formatMoney(i.total_cents)}</td>
                    <td>
                      <StatusBadge invoice={i} overdue={props.overdue(i)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <Pagination base={status ? `/admin/invoices?status=${status}` : '/admin/invoices'} page={props.page} pages={props.pages} />
    </>
  );
}

/** Which of the detail page's forms came back with errors, and what was typed in it. */
export type FormState = { form: 'payment' | 'refund' | 'void'; values: Record<string, string>; errors: FieldErrors } | null;

const methodOptions = Object.entries(PAYMENT_METHODS).map(([value, label]) => ({ value, label }));

function Summary({ invoice, timeZone, overdue }: { invoice: InvoiceDetail; timeZone: string; overdue: boolean }) {
  return (
    <dl class="card">
      <dt>Status</dt>
      <dd>
        <StatusBadge invoice={invoice} overdue={overdue} />
        {invoice.status === 'paid' && invoice.paid_at ? ` on ${formatDate(invoice.paid_at, timeZone)}` : null}
      </dd>
      <dt>For</dt>
      <dd>
        {invoice.user_name} ({invoice.user_email})
      </dd>
      <dt>Bill to</dt>
      <dd>
        {invoice.bill_to.split('\n').map((line, i) => (
          <>
            {i > 0 ? <br /> : null}
            {line}
          </>
        ))}
      </dd>
      <dt>Issued</dt>
      <dd>{formatDate(invoice.issued_at, timeZone)}</dd>
      <dt>Due</dt>
      <dd>{formatDate(invoice.due_at, timeZone)}</dd>
      <dt>Total</dt>
      <dd>{formatMoney(invoice.total_cents)}</dd>
      <dt>Received</dt>
      <dd>
        {formatMoney(invoice.receivedCents)}
        {invoice.refundedCents > 0 ? ` (after ${formatMoney(invoice.refundedCents)} refunded)` : null}
      </dd>
      {invoice.status === 'unpaid' ? (
        <>
          <dt>Balance due</dt>
          <dd>{formatMoney(invoice.balanceCents)}</dd>
        </>
      ) : null}
    </dl>
  );
}

function Lines({ invoice }: { invoice: InvoiceDetail }) {
  return (
    <div class="table-wrap" role="region" aria-label="Lines" tabIndex={0}>
      <table class="data">
        <caption class="visually-hidden">Lines of the invoice</caption>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit price</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((l) => (
            <tr>
              <td>{l.description}</td>
              <td>{l.quantity}</td>
              <td>{formatMoney(l.unit_cents)}</td>
              <td>{formatMoney(l.amount_cents)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td>
              <strong>{formatMoney(invoice.total_cents)}</strong>
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Payments({ invoice, timeZone }: { invoice: InvoiceDetail; timeZone: string }) {
  if (invoice.payments.length === 0) return <p>No payments yet.</p>;
  return (
    <div class="table-wrap" role="region" aria-label="Payments and refunds" tabIndex={0}>
      <table class="data">
        <caption class="visually-hidden">Payments and refunds</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">Method</th>
            <th scope="col">Amount</th>
            <th scope="col">Reference</th>
            <th scope="col">Recorded by</th>
          </tr>
        </thead>
        <tbody>
          {invoice.payments.map((p) => (
            <tr>
              <td>{formatDateTime(p.created_at, timeZone)}</td>
              <td>{p.kind === 'payment' ? 'Payment' : 'Refund'}</td>
              <td>{PAYMENT_METHODS[p.method]}</td>
              <td>{p.kind === 'payment' ? formatMoney(p.amount_cents) : `-${formatMoney(p.amount_cents)}`}</td>
              <td>{p.reference || <span class="muted">none</span>}</td>
              <td>{p.recorded_by_name ?? (p.external_id ? 'Card processor' : 'Automatic')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function History({ invoice, timeZone }: { invoice: InvoiceDetail; timeZone: string }) {
  return (
    <ol>
      {invoice.events.map((e) => (
        <li>
          <time dateTime={e.created_at}>{formatDateTime(e.created_at, timeZone)}</time>: {e.actor_name ?? 'Automatic'}. {e.detail}
        </li>
      ))}
    </ol>
  );
}

function PaymentForm({ invoice, csrf, state }: { invoice: InvoiceDetail; csrf: string; state: FormState }) {
  const mine = state?.form === 'payment' ? state : null;
  const values = mine?.values ?? { method: 'check', amount: (invoice.balanceCents / 100).toFixed(2) };
  const errors = mine?.errors ?? {};
  return (
    <section aria-labelledby="record-payment">
      <h2 id="record-payment">Record a payment</h2>
      <Form action={`/admin/invoices/${invoice.id}/payments`} csrf={csrf} errors={mine?.errors} label="Record a payment">
        <Select name="method" label="Method" value={values.method} options={methodOptions} error={errors.method} required />
        <Field name="amount" label="Amount in dollars" value={values.amount} error={errors.amount} hint="For example 125.00" inputMode="decimal" required />
        <Field name="reference" label="Reference" value={values.reference} error={errors.reference} hint="Check number, receipt or transfer reference." maxLength={200} />
        <div class="form-actions">
          <button type="submit">Record the payment</button>
        </div>
      </Form>
    </section>
  );
}

function RefundForm({ invoice, csrf, state }: { invoice: InvoiceDetail; csrf: string; state: FormState }) {
  const mine = state?.form === 'refund' ? state : null;
  const lastMethod = invoice.payments.filter((p) => p.kind === 'payment').at(-1)?.method ?? 'check';
  const values = mine?.values ?? { refund_method: lastMethod, refund_amount: (invoice.receivedCents / 100).toFixed(2) };
  const errors = mine?.errors ?? {};
  return (
    <section aria-labelledby="record-refund">
      <h2 id="record-refund">Record a refund</h2>
      <Form action={`/admin/invoices/${invoice.id}/refunds`} csrf={csrf} errors={mine?.errors} label="Record a refund">
        <Select name="refund_method" label="How the money went back" value={values.refund_method} options={methodOptions} error={errors.refund_method} required />
        <Field
          name="refund_amount"
          label="Amount in dollars"
          value={values.refund_amount}
          error={errors.refund_amount}
          hint={`At most ${formatMoney(invoice.receivedCents)}. Refunding all of it on a paid invoice marks it refunded.`}
          inputMode="decimal"
          required
        />
        <Field name="refund_reference" label="Reference" value={values.refund_reference} error={errors.refund_reference} maxLength={200} />
        <div class="form-actions">
          <button type="submit">Record the refund</button>
        </div>
      </Form>
    </section>
  );
}

function VoidForm({ invoice, csrf, state }: { invoice: InvoiceDetail; csrf: string; state: FormState }) {
  const mine = state?.form === 'void' ? state : null;
  return (
    <section aria-labelledby="void-invoice">
      <h2 id="void-invoice">Void invoice</h2>
      <p>A void invoice keeps its number and can no longer be paid.</p>
      <Form action={`/admin/invoices/${invoice.id}/void`} csrf={csrf} errors={mine?.errors} label="Void invoice">
        <TextArea name="reason" label="Reason" value={mine?.values.reason} error={mine?.errors.reason} rows={3} required />
        <div class="form-actions">
          <button type="submit" class="danger">
            Void invoice
          </button>
        </div>
      </Form>
    </section>
  );
}

export function InvoicePage(props: { invoice: InvoiceDetail; timeZone: string; overdue: boolean; csrf: string; state?: FormState }) {
  const { invoice, timeZone, csrf } = props;
  const state = props.state ?? null;
  const canPay = invoice.status === 'unpaid';
  const canRefund = invoice.status !== 'void' && invoice.receivedCents > 0;
  const canVoid = invoice.status === 'unpaid' && invoice.receivedCents === 0;
  // A refusal for a form the invoice no longer offers (someone else acted first) is shown on its own.
  const shown = { payment: canPay, refund: canRefund, void: canVoid };
  const orphan = state && !shown[state.form] ? state : null;
  return (
    <>
      <p>
        <a href={`/admin/invoices/${invoice.id}/pdf`}>Download the PDF</a> · <a href="/admin/invoices">All invoices</a>
      </p>
      <Summary invoice={invoice} timeZone={timeZone} overdue={props.overdue} />
      <h2>Lines</h2>
      <Lines invoice={invoice} />
      <h2>Payments and refunds</h2>
      <Payments invoice={invoice} timeZone={timeZone} />
      {orphan ? (
        <p class="flash error" role="alert">
          {Object.values(orphan.errors).join(' ')}
        </p>
      ) : null}
      {canPay ? <PaymentForm invoice={invoice} csrf={csrf} state={state} /> : null}
      {canRefund ? <RefundForm invoice={invoice} csrf={csrf} state={state} /> : null}
      {canVoid ? <VoidForm invoice={invoice} csrf={csrf} state={state} /> : null}
      <h2>History</h2>
      <History invoice={invoice} timeZone={timeZone} />
    </>
  );
}
