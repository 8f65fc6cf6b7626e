import type { ComponentChildren } from 'preact';
import type { MembershipStatus } from '../tables.js';
import { formatMoney } from '#core/money.js';
import { ActionButton, Form, TextArea, type FieldErrors } from '#core/views/forms.js';
import { formatDate, formatDateTime } from '#core/views/render.js';
import type { Level } from '../lifecycle/index.js';
import { STATUS_LABELS } from '../lifecycle/index.js';
import type { InvoiceSummary } from '../lifecycle/index.js';

type Values = Record<string, string>;

/** A member's page (/admin/members/:id): details, the application decision, invoices, history. */
export function MemberDetail(props: {
  detail: {
    membership: {
      id: number;
      user_id: number;
      status: MembershipStatus;
      organization: string;
      job_title: string;
      phone: string;
      address_line1: string;
      address_line2: string;
      city: string;
      region: string;
      postal_code: string;
      expires_at: string | null;
    };
    level: Level;
    user: { name: string; email: string; email_verified_at: string | null };
    events: { kind: string; detail: string; created_at: string; actor_name: string | null }[];
    invoices: InvoiceSummary[];
  };
  timeZone: string;
  csrf: string;
  errors?: FieldErrors;
  values?: Values;
  /** What an admin can do to the member (views.tsx), shown below the application decision. */
  actions?: ComponentChildren;
}) {
  const { membership, level, user, events, invoices } = props.detail;
  const tz = props.timeZone;
  const address = [membership.address_line1, membership.address_line2, [membership.city, membership.region, membership.postal_code].filter(Boolean).join(' ')].filter(Boolean);
  return (
    <>
      <dl class="card">
        <dt>E-mail</dt>
        <dd>
          {user.email} {user.email_verified_at ? '(confirmed)' : '(not confirmed yet)'}
        </dd>
        <dt>Level</dt>
        <dd>{level.name}</dd>
        <dt>Status</dt>
        <dd>{STATUS_LABELS[membership.status]}</dd>
        <dt>Renewal date</dt>
        <dd>{membership.expires_at ? formatDate(membership.expires_at, tz) : '—'}</dd>
        <dt>Organization</dt>
        <dd>{[membership.job_title, membership.organization].filter(Boolean).join(', ') || '—'}</dd>
        <dt>Phone</dt>
        <dd>{membership.phone || '—'}</dd>
        <dt>Address</dt>
        <dd>
          {address.length
            ? address.map((line) => (
                <>
                  {line}
                  <br />
                </>
              ))
            : '—'}
        </dd>
      </dl>
      {membership.status === 'pending_approval' ? (
        <section aria-labelledby="decide" class="card">
          <h2 id="decide">Decide on this application</h2>
          <ActionButton action={`/admin/members/${membership.id}/approve`} csrf={props.csrf} label="Approve" />
          <Form action={`/admin/members/${membership.id}/reject`} csrf={props.csrf} errors={props.errors} label="Reject the application">
            <TextArea name="reason" label="Reason (sent to the applicant)" value={props.values?.reason} error={props.errors?.reason} rows={3} required />
            <div class="form-actions">
              <button type="submit" class="danger">
                Reject
              </button>
            </div>
          </Form>
        </section>
      ) : null}
      {props.actions}
      <h2>Invoices</h2>
      {invoices.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {invoices.map((i) => (
            <li>
              <a href={`/admin/invoices/${i.id}`}>
                Invoice {i.number}: {formatMoney(i.total_cents)}, {i.status}
              </a>
            </li>
          ))}
        </ul>
      )}
      <h2>History</h2>
      <ol class="history">
        {events.map((e) => (
          <li>
            <time dateTime={e.created_at}>{formatDateTime(e.created_at, tz)}</time>: {e.detail}
            {e.actor_name ? <span class="muted"> ({e.actor_name})</span> : null}
          </li>
        ))}
      </ol>
      <p>
        <a href={`/admin/audit?person=${membership.user_id}`}>History of admin changes</a> (who changed what, when and from where)
      </p>
    </>
  );
}
