import { formatMoney } from '#core/money.js';
import { Checkbox, Field, Form, Select, TextArea, type FieldErrors } from '#core/views/forms.js';
import { ActionButton } from '#core/views/forms.js';
import { formatDate, trustedHtml } from '#core/views/render.js';
import type { InvoiceStatus } from '#modules/billing/index.js';
import type { MembershipStatus } from '../tables.js';
import { INVOICE_STATUSES } from '#modules/billing/index.js';
import { describeRenewal, type Level } from './levels.js';
import type { MemberField } from '../fields/index.js';
import { customFieldInputs } from '../fields/index.js';
import { MAY_APPLY_AGAIN, STATUS_LABELS } from './service.js';

type Values = Record<string, string>;
export interface InvoiceSummary {
  id: number;
  number: number;
  status: InvoiceStatus;
  total_cents: number;
  due_at: string;
  issued_at: string;
}

export function JoinPage({ introHtml, levels, signedIn, canApply = false }: { introHtml: string | null; levels: Level[]; signedIn: boolean; canApply?: boolean }) {
  // A visitor applies with a new account; someone logged in without a live membership applies with theirs.
  const showApply = !signedIn || canApply;
  return (
    <>
      {introHtml ? <div class="prose" dangerouslySetInnerHTML={{ __html: trustedHtml(introHtml) }} /> : null}
      {signedIn ? (
        <p class="flash info">
          {canApply ? <>You are logged in. Choose a level to apply with your account: your details are filled in for you. </> : <>You are logged in. </>}
          Your membership, invoices and renewal are on <a href="/account">your account page</a>.
        </p>
      ) : null}
      <h2>Choose a membership</h2>
      {levels.length === 0 ? <p>Applications are closed at the moment.</p> : null}
      <ul class="overview">
        {levels.map((level) => (
          <li>
            <h3>{level.name}</h3>
            <p>{level.description}</p>
            <p>
              <strong>{formatMoney(level.dues_cents)} a year.</strong> {describeRenewal(level)}
              {level.bundle_size ? ` Covers up to ${level.bundle_size} people.` : ''}
              {level.requires_approval ? ' Applications are approved by the board.' : ''}
            </p>
            {showApply ? (
              <a class="button" href={`/join/${level.id}`}>
                Apply for {level.name}
              </a>
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ApplicationForm({
  level,
  csrf,
  values,
  errors,
  fields = [],
  account,
}: {
  level: Level;
  csrf: string;
  values: Values;
  errors?: FieldErrors;
  fields?: MemberField[];
  /** The logged-in person applying with their account: no e-mail or password to choose. */
  account?: { email: string };
}) {
  const e = errors ?? {};
  return (
    <>
      <p>
        {level.description} <strong>{formatMoney(level.dues_cents)} a year.</strong> {describeRenewal(level)}
      </p>
      {account ? (
        <p>
          You are applying with your account, <strong>{account.email}</strong>. Check your details below and change what is out of date.
        </p>
      ) : (
        <p>
          Already have an account? <a href={`/login?next=${encodeURIComponent(`/join/${level.id}`)}`}>Log in</a> instead: you can see your membership, or apply with that account.
        </p>
      )}
      <Form action={`/join/${level.id}`} csrf={csrf} errors={errors} label={`Apply for ${level.name}`}>
        <fieldset>
          <legend>You</legend>
          <Field name="name" label="Full name" value={values.name} error={e.name} autocomplete="name" required />
          {account ? null : (
            <>
              <Field
                name="email"
                label="E-mail address"
                type="email"
                value={values.email}
                error={e.email}
                autocomplete="email"
                hint="We will send a link to confirm it."
                required
              />
              <Field
                name="password"
                label="Choose a password"
                type="password"
                error={e.password}
                autocomplete="new-password"
                hint="At least 12 characters. You will log in with your e-mail address and this password."
                required
              />
              <Field name="confirm" label="Type the password again" type="password" error={e.confirm} autocomplete="new-password" required />
            </>
          )}
        </fieldset>
        <MemberDetailsFields values={values} errors={e} fields={fields ?? []} />
        <div class="form-actions">
          <button type="submit">Send my application</button>
        </div>
      </Form>
    </>
  );
}

/** Instead of the application, for someone logged in whose membership is live: why, and the way to their account page. */
export function LiveMembershipNotice({ message }: { message: string }) {
  return (
    <>
      <p class="flash info">{message}</p>
      <p>
        <a class="button" href="/account">
          Go to your account page
        </a>
      </p>
    </>
  );
}

/** The work, address and custom-field parts of a member's details: the application and the profile share them. */
export function MemberDetailsFields({ values, errors: e, fields }: { values: Values; errors: FieldErrors; fields: MemberField[] }) {
  return (
    <>
      <fieldset>
        <legend>Work</legend>
        <Field
          name="organization"
          label="Organization"
          value={values.organization}
          error={e.organization}
          autocomplete="organization"
          hint="Your city, utility, company or school."
        />
        <Field name="job_title" label="Job title" value={values.job_title} error={e.job_title} autocomplete="organization-title" />
        <Field name="phone" label="Phone" type="tel" value={values.phone} error={e.phone} autocomplete="tel" />
      </fieldset>
      <fieldset>
        <legend>Mailing address</legend>
        <Field name="address_line1" label="Street address" value={values.address_line1} error={e.address_line1} autocomplete="address-line1" />
        <Field name="address_line2" label="Address line 2" value={values.address_line2} error={e.address_line2} autocomplete="address-line2" />
        <Field name="city" label="City" value={values.city} error={e.city} autocomplete="address-level2" />
        <Field name="region" label="State" value={values.region} error={e.region} autocomplete="address-level1" />
        <Field name="postal_code" label="ZIP code" value={values.postal_code} error={e.postal_code} autocomplete="postal-code" />
      </fieldset>
      {fields.length ? (
        <fieldset>
          <legend>More about you</legend>
          {customFieldInputs(fields, values, e)}
        </fieldset>
      ) : null}
    </>
  );
}

/**
 * After an application. A visitor reads the same page whether or not the address has an account
 * (decision 0025), so it says what the message holds in either case; a logged-in person applying
 * again is only told to confirm.
 */
export function CheckYourEmail({ address, visitor = true }: { address: string; visitor?: boolean }) {
  return (
    <>
      <p>
        Thank you! We have sent a message to <strong>{address}</strong>. Open the link in it to confirm your address; you will then see your invoice and how to pay it.
        {visitor ? ' If this address already has an account with us, the message tells you how to log in instead.' : ''}
      </p>
      <p>
        No e-mail after a few minutes? Check your spam folder. The link works for 3 days. Please do not apply again today: we send only a few messages a day to one address. If
        nothing arrives, write to the association's office.
      </p>
    </>
  );
}

export function ConfirmEmailForm({ action, csrf, errors }: { action: string; csrf: string; errors?: FieldErrors }) {
  return (
    <Form action={action} csrf={csrf} errors={errors} label="Confirm your e-mail address">
      <p>Press the button to confirm your e-mail address and continue your application.</p>
      <div class="form-actions">
        <button type="submit">Confirm my e-mail address</button>
      </div>
    </Form>
  );
}

const nextStep: Partial<Record<MembershipStatus, string>> = {
  pending_verification: 'Confirm your e-mail address with the link we sent you.',
  pending_approval: 'The board will review your application; you will hear from us by e-mail. You may pay your invoice now or after approval.',
  awaiting_payment: 'Your membership starts when your dues are paid.',
  lapsed: 'Your membership has lapsed. Pay your renewal invoice to renew.',
  rejected: 'Your application was not approved.',
  cancelled: 'This membership has ended.',
};

export function MembershipSection(props: {
  membership: { status: MembershipStatus; expires_at: string | null; started_at: string | null };
  level: Level;
  invoices: InvoiceSummary[];
  timeZone: string;
  csrf: string;
  /** Card payments are set up (Stripe): show "Pay online" beside an unpaid invoice. */
  payOnline?: boolean;
  /** Renewing is possible now (lapsed, or near or past the renewal date): show "Renew now". */
  canRenew?: boolean;
}) {
  const { membership, level, invoices, timeZone } = props;
  const unpaid = invoices.find((i) => i.status === 'unpaid');
  return (
    <section aria-labelledby="membership-title" class="card">
      <h2 id="membership-title">Membership</h2>
      <dl>
        <dt>Level</dt>
        <dd>{level.name}</dd>
        <dt>Status</dt>
        <dd>{STATUS_LABELS[membership.status]}</dd>
        {membership.expires_at ? (
          <>
            <dt>{membership.status === 'active' ? 'Renewal date' : 'Paid through'}</dt>
            <dd>{formatDate(membership.expires_at, timeZone)}</dd>
          </>
        ) : null}
      </dl>
      {nextStep[membership.status] ? <p>{nextStep[membership.status]}</p> : null}
      {MAY_APPLY_AGAIN.includes(membership.status) ? (
        <p>
          To become a member again, <a href="/join">choose a level and apply</a> with this account.
        </p>
      ) : null}
      {props.canRenew ? (
        <div class="renew">
          <p>{membership.status === 'lapsed' ? 'Renew to open the members-only pages to you again.' : 'Your membership is due for renewal. Renew now to keep it going.'}</p>
          <ActionButton action="/account/membership/renew" csrf={props.csrf} label="Renew now" />
        </div>
      ) : null}
      {unpaid ? (
        <div class="flash info">
          <p>
            Invoice {unpaid.number} for <strong>{formatMoney(unpaid.total_cents)}</strong> is due {formatDate(unpaid.due_at, timeZone)}.{' '}
            <a href={`/account/invoices/${unpaid.id}/pdf`}>Download the invoice (PDF)</a> to pay by check or bank transfer.
          </p>
          {props.payOnline ? <ActionButton action={`/account/invoices/${unpaid.id}/pay`} csrf={props.csrf} label="Pay online by card" /> : null}{' '}
          <ActionButton action="/account/membership/invoice-me" csrf={props.csrf} label="E-mail me the invoice" />
        </div>
      ) : null}
      <h3>Invoices</h3>
      {invoices.length === 0 ? (
        <p>No invoices yet.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="Your invoices" tabIndex={0}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Date</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) => (
                <tr>
                  <td>
                    <a href={`/account/invoices/${i.id}/pdf`}>No. {i.number} (PDF)</a>
                  </td>
                  <td>{formatDate(i.issued_at, timeZone)}</td>
                  <td>{formatMoney(i.total_cents)}</td>
                  <td>{INVOICE_STATUSES[i.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function NotAMember() {
  return (
    <section class="card" aria-labelledby="membership-title">
      <h2 id="membership-title">Membership</h2>
      <p>
        You have no membership yet. <a href="/join">Become a member</a>.
      </p>
    </section>
  );
}

// Admin

const policyOptions = [
  { value: 'anniversary', label: 'One year after each member joins' },
  { value: 'fixed_date', label: 'On a fixed date every year (e.g. January 1)' },
];
const monthOptions = [{ value: '', label: 'Choose a month' }].concat(
  Array.from({ length: 12 }, (_, i) => ({ value: String(i + 1), label: new Date(Date.UTC(2001, i, 1)).toLocaleDateString('en-US', { month: 'long', timeZone: 'UTC' }) })),
);

export function LevelList({ levels }: { levels: Level[] }) {
  return (
    <>
      <p>
        <a class="button" href="/admin/levels/new">
          New level
        </a>
      </p>
      <div class="table-wrap" role="region" aria-label="Membership levels" tabIndex={0}>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Yearly dues</th>
              <th scope="col">Renewal</th>
              <th scope="col">Approval</th>
              <th scope="col">Open to the public</th>
            </tr>
          </thead>
          <tbody>
            {levels.map((l) => (
              <tr>
                <td>
                  <a href={`/admin/levels/${l.id}`}>{l.name}</a>
                  {l.is_example ? <span class="badge draft">Example: check the dues</span> : null}
                </td>
                <td>{formatMoney(l.dues_cents)}</td>
                <td>{describeRenewal(l)}</td>
                <td>{l.requires_approval ? 'Board approves' : 'Automatic'}</td>
                <td>{l.public_can_apply ? 'Yes' : 'No'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function levelValues(l: Level): Values {
  return {
    name: l.name,
    description: l.description,
    dues: (l.dues_cents / 100).toFixed(2),
    requires_approval: l.requires_approval ? 'on' : '',
    renewal_policy: l.renewal_policy,
    renewal_month: l.renewal_month ? String(l.renewal_month) : '',
    renewal_day: l.renewal_day ? String(l.renewal_day) : '',
    prorate: l.prorate ? 'on' : '',
    grace_days: String(l.grace_days),
    public_can_apply: l.public_can_apply ? 'on' : '',
    bundle_size: l.bundle_size ? String(l.bundle_size) : '',
  };
}

export function LevelForm({ action, csrf, values, errors }: { action: string; csrf: string; values: Values; errors?: FieldErrors }) {
  const e = errors ?? {};
  return (
    <Form action={action} csrf={csrf} errors={errors} label="Membership level">
      <Field name="name" label="Name" value={values.name} error={e.name} required />
      <TextArea name="description" label="Description" value={values.description} error={e.description} rows={3} hint="Shown on the “Become a member” page." />
      <Field name="dues" label="Yearly dues (US dollars)" value={values.dues} error={e.dues} hint="For example 50 or 50.00." required />
      <Checkbox name="requires_approval" label="An admin must approve each application" checked={values.requires_approval === 'on'} />
      <Checkbox name="public_can_apply" label="Visitors may apply for this level" checked={values.public_can_apply === 'on'} />
      <fieldset>
        <legend>Renewal</legend>
        <Select name="renewal_policy" label="Memberships renew" value={values.renewal_policy ?? 'anniversary'} options={policyOptions} error={e.renewal_policy} />
        <Select name="renewal_month" label="Renewal month (fixed date only)" value={values.renewal_month ?? ''} options={monthOptions} error={e.renewal_month} />
        <Field name="renewal_day" label="Renewal day of the month (fixed date only)" type="number" value={values.renewal_day} error={e.renewal_day} />
        <Checkbox
          name="prorate"
          label="Pro-rate the first year's dues (fixed date only)"
          checked={values.prorate === 'on'}
          hint="Someone joining halfway through the year pays half."
        />
        <Field
          name="grace_days"
          label="Grace period after the renewal date (days)"
          type="number"
          value={values.grace_days ?? '30'}
          error={e.grace_days}
          hint="Unpaid members keep access this many days, then lapse."
        />
      </fieldset>
      <Field
        name="bundle_size"
        label="People covered (agency bundles only)"
        type="number"
        value={values.bundle_size}
        error={e.bundle_size}
        hint="Leave empty for a membership of one person."
      />
      <div class="form-actions">
        <button type="submit">Save level</button>
        <a class="button secondary" href="/admin/levels">
          Cancel
        </a>
      </div>
    </Form>
  );
}
