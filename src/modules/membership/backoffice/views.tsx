import type { ComponentChildren } from 'preact';
import type { MemberContact, MembershipStatus } from '../tables.js';
import { FilterActions, MatchCount } from '#core/views/filters.js';
import { ActionButton, Field, Form, Select, TextArea, type FieldErrors } from '#core/views/forms.js';
import { Pagination } from '#core/views/pagination.js';
import { formatDate } from '#core/views/render.js';
import { DEFAULT_DIR, listQueryString, PER_PAGE, type ListParams } from './service.js';
import type { MemberSort } from './queries.js';
import { isoDay } from '#core/time.js';
import { displayValue, fieldFormValues, type MemberField } from '../fields/index.js';
import { customFieldInputs } from '../fields/index.js';
import type { Level } from '../lifecycle/index.js';
import { STATUS_LABELS } from '../lifecycle/index.js';

type Values = Record<string, string>;

// The list

interface ListRow {
  id: number;
  name: string;
  email: string;
  organization: string;
  status: MembershipStatus;
  level_name: string;
  expires_at: string | null;
  joined_at: string;
}

const SORT_LABELS: Record<MemberSort, string> = { name: 'Name', renewal: 'Renewal date', joined: 'Date joined' };

function SortHeader({ params, sort }: { params: ListParams; sort: MemberSort }) {
  const current = params.sort === sort;
  const dir = current ? (params.dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIR[sort];
  return (
    <th scope="col" aria-sort={current ? (params.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={`/admin/members${listQueryString(params, { sort, dir, page: 1 })}`}>
        {SORT_LABELS[sort]}
        {current ? (params.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  );
}

export function MemberListPage(props: {
  rows: ListRow[];
  total: number;
  page: number;
  pages: number;
  params: ListParams;
  levels: Level[];
  rawDue: string;
  dueError?: string;
  /** The member fields the board defined (membership/fields.ts), for the "field = value" filter. */
  fields: { id: number; label: string; type: string }[];
  fieldError?: string;
  timeZone: string;
}) {
  const { params, rows, total } = props;
  const filtered = params.status || params.levelId || params.dueDays !== null || params.search || params.fieldId;
  const csv = `/admin/members.csv${listQueryString(params, { page: 1 })}`;
  return (
    <>
      <p class="actions">
        <a class="button secondary" href="/admin/members/import">
          Import members from a CSV file
        </a>
      </p>
      <form method="get" action="/admin/members" class="stack card" aria-label="Find members">
        <Field name="q" label="Name, e-mail or organization contains" type="search" value={params.search} />
        <Select
          name="status"
          label="Status"
          value={params.status ?? ''}
          options={[{ value: '', label: 'Any status' }, ...Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))]}
        />
        <Select
          name="level"
          label="Level"
          value={params.levelId ? String(params.levelId) : ''}
          options={[{ value: '', label: 'Any level' }, ...props.levels.map((l) => ({ value: String(l.id), label: l.name }))]}
        />
        <details open={params.dueDays !== null || !!props.dueError || !!params.fieldId || params.sort !== 'joined' || params.dir !== DEFAULT_DIR.joined}>
          <summary>Renewal due, member fields, order</summary>
          <div class="stack">
            <Field
              name="due"
              label="Renewal due within this many days"
              type="number"
              value={props.rawDue}
              error={props.dueError}
              hint="For example 30: renewal dates from today to 30 days from now."
            />
            <Select name="sort" label="Sort by" value={params.sort} options={(Object.keys(SORT_LABELS) as MemberSort[]).map((s) => ({ value: s, label: SORT_LABELS[s] }))} />
            <Select
              name="dir"
              label="Order"
              value={params.dir}
              options={[
                { value: 'asc', label: 'A to Z, earliest date first' },
                { value: 'desc', label: 'Z to A, latest date first' },
              ]}
            />
            {props.fields.length > 0 ? (
              <fieldset>
                <legend>Member field</legend>
                <Select
                  name="field"
                  label="Field"
                  value={params.fieldId ? String(params.fieldId) : ''}
                  options={[{ value: '', label: 'Any field' }, ...props.fields.map((f) => ({ value: String(f.id), label: f.label }))]}
                />
                <Field
                  name="value"
                  label="Has the value"
                  value={params.fieldValue}
                  error={props.fieldError}
                  hint="Exactly as answered (capitals do not matter). For a checkbox, yes or no; for a date, YYYY-MM-DD."
                />
              </fieldset>
            ) : null}
          </div>
        </details>
        <FilterActions submit="Show members" clear="/admin/members" filtered={!!filtered} />
      </form>
      <MatchCount total={total} one="member" many="members" csv={csv} />
      {rows.length === 0 ? null : (
        <div class="table-wrap" role="region" aria-label={`Members, page ${props.page} of ${props.pages}`} tabIndex={0}>
          <table class="data">
            <thead>
              <tr>
                <SortHeader params={params} sort="name" />
                <th scope="col">Organization</th>
                <th scope="col">Level</th>
                <th scope="col">Status</th>
                <SortHeader params={params} sort="renewal" />
                <SortHeader params={params} sort="joined" />
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <a href={`/admin/members/${r.id}`}>{r.name}</a>
                    <br />
                    <span class="muted">{r.email}</span>
                  </td>
                  <td>{r.organization}</td>
                  <td>{r.level_name}</td>
                  <td>{STATUS_LABELS[r.status]}</td>
                  <td>{r.expires_at ? formatDate(r.expires_at, props.timeZone) : '—'}</td>
                  <td>{formatDate(r.joined_at, props.timeZone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination base={`/admin/members${listQueryString(params, { page: 1 })}`} page={props.page} pages={props.pages} />
      {props.pages > 1 ? <p class="muted">{PER_PAGE} members a page.</p> : null}
    </>
  );
}

// A member's page: what an admin can do

/** The forms on a member's page; `reject` (the application decision, views.tsx) and `bundle` (bundles-views.tsx) are drawn outside these panels. */
export type ActionName = 'details' | 'level' | 'renewal' | 'suspend' | 'note' | 'reject' | 'bundle';

function Panel(props: { id: ActionName; title: string; open: boolean; children: ComponentChildren }) {
  return (
    <details class="card" id={`panel-${props.id}`} open={props.open}>
      <summary>
        <strong>{props.title}</strong>
      </summary>
      {props.children}
    </details>
  );
}

export function MemberActions(props: {
  membership: MemberContact & {
    id: number;
    status: MembershipStatus;
    level_id: number;
    expires_at: string | null;
  };
  user: { name: string; email: string };
  levels: Level[];
  timeZone: string;
  csrf: string;
  /** The form that came back with errors, its errors and what was typed. */
  failed?: { action: ActionName; errors: FieldErrors; values: Values };
  /** Every member field (whoever may see it: admins see all) and this member's stored values. */
  fields?: MemberField[];
  fieldValues?: { field_id: number; value: string }[];
}) {
  const fields = props.fields ?? [];
  const { membership: m, user, csrf } = props;
  const base = `/admin/members/${m.id}`;
  const failed = props.failed;
  const errorsOf = (action: ActionName) => (failed?.action === action ? failed.errors : undefined);
  const e = (action: ActionName) => errorsOf(action) ?? {};
  const typed = (action: ActionName, fallback: Values) => (failed?.action === action ? failed.values : fallback);
  const details = typed('details', {
    name: user.name,
    email: user.email,
    organization: m.organization,
    job_title: m.job_title,
    phone: m.phone,
    address_line1: m.address_line1,
    address_line2: m.address_line2,
    city: m.city,
    region: m.region,
    postal_code: m.postal_code,
    ...fieldFormValues(fields, props.fieldValues ?? []),
  });
  const renewal = typed('renewal', { renewal_date: m.expires_at ? isoDay(m.expires_at, props.timeZone) : '', months: '' });
  return (
    <section aria-labelledby="manage-title">
      <h2 id="manage-title">Manage this member</h2>
      <Panel id="details" title="Edit details" open={failed?.action === 'details'}>
        <Form action={`${base}/details`} csrf={csrf} errors={errorsOf('details')} label="Edit details">
          <Field name="name" label="Full name" value={details.name} error={e('details').name} required />
          <Field
            name="email"
            label="E-mail address"
            type="email"
            value={details.email}
            error={e('details').email}
            hint="They log in with it. A new address must be confirmed again."
            required
          />
          <Field name="organization" label="Organization" value={details.organization} error={e('details').organization} />
          <Field name="job_title" label="Job title" value={details.job_title} error={e('details').job_title} />
          <Field name="phone" label="Phone" type="tel" value={details.phone} error={e('details').phone} />
          <Field name="address_line1" label="Street address" value={details.address_line1} error={e('details').address_line1} />
          <Field name="address_line2" label="Address line 2" value={details.address_line2} error={e('details').address_line2} />
          <Field name="city" label="City" value={details.city} error={e('details').city} />
          <Field name="region" label="State" value={details.region} error={e('details').region} />
          <Field name="postal_code" label="ZIP code" value={details.postal_code} error={e('details').postal_code} />
          {fields.length ? (
            <fieldset>
              <legend>Member fields</legend>
              {customFieldInputs(fields, details, e('details'))}
            </fieldset>
          ) : null}
          <div class="form-actions">
            <button type="submit">Save details</button>
          </div>
        </Form>
      </Panel>
      <Panel id="level" title="Change level" open={failed?.action === 'level'}>
        <Form action={`${base}/level`} csrf={csrf} errors={errorsOf('level')} label="Change level">
          <Select
            name="level_id"
            label="Level"
            value={typed('level', { level_id: String(m.level_id) }).level_id}
            options={props.levels.map((l) => ({ value: String(l.id), label: l.name }))}
            error={e('level').level_id}
            hint="The dues of the new level apply from the next renewal."
          />
          <div class="form-actions">
            <button type="submit">Change level</button>
          </div>
        </Form>
      </Panel>
      <Panel id="renewal" title="Extend the renewal date" open={failed?.action === 'renewal'}>
        <p>
          Renewal date now: <strong>{m.expires_at ? formatDate(m.expires_at, props.timeZone) : 'none'}</strong>.
        </p>
        <Form action={`${base}/renewal`} csrf={csrf} errors={e('renewal').renewal_date ? errorsOf('renewal') : undefined} label="Set the renewal date">
          <Field name="renewal_date" label="New renewal date" type="date" value={renewal.renewal_date} error={e('renewal').renewal_date} hint="For example 2027-06-30." required />
          <div class="form-actions">
            <button type="submit">Set the renewal date</button>
          </div>
        </Form>
        <Form action={`${base}/renewal`} csrf={csrf} errors={e('renewal').months ? errorsOf('renewal') : undefined} label="Add months to the renewal date">
          <Field
            name="months"
            label="Or add this many months"
            type="number"
            value={renewal.months}
            error={e('renewal').months}
            hint={m.expires_at ? 'Counted from the current renewal date.' : 'Counted from today.'}
            required
          />
          <div class="form-actions">
            <button type="submit">Extend</button>
          </div>
        </Form>
      </Panel>
      {m.status === 'suspended' ? (
        <section class="card" aria-labelledby="reinstate-title">
          <h3 id="reinstate-title">Suspended</h3>
          <p>This member cannot see members-only pages. Reinstating makes the membership active again.</p>
          <ActionButton action={`${base}/reinstate`} csrf={csrf} label="Reinstate" />
        </section>
      ) : (
        <Panel id="suspend" title="Suspend" open={failed?.action === 'suspend'}>
          <Form action={`${base}/suspend`} csrf={csrf} errors={errorsOf('suspend')} label="Suspend the membership">
            <p>A suspended member keeps the account but cannot see members-only pages until reinstated. Nothing is e-mailed.</p>
            <TextArea
              name="suspend_reason"
              label="Reason (for the history; the member does not see it)"
              value={typed('suspend', {}).suspend_reason}
              error={e('suspend').suspend_reason}
              rows={2}
            />
            <div class="form-actions">
              <button type="submit" class="danger">
                Suspend
              </button>
            </div>
          </Form>
        </Panel>
      )}
      <Panel id="note" title="Add a note" open={failed?.action === 'note'}>
        <Form action={`${base}/notes`} csrf={csrf} errors={errorsOf('note')} label="Add a note">
          <TextArea name="note" label="Note (kept in the history, seen by admins only)" value={typed('note', {}).note} error={e('note').note} rows={3} required />
          <div class="form-actions">
            <button type="submit">Add the note</button>
          </div>
        </Form>
      </Panel>
    </section>
  );
}

/** A member's answers to every member field, with who may see each (admins see them all). */
export function MemberFieldValues({ fields, values }: { fields: MemberField[]; values: { field_id: number; value: string }[] }) {
  const byId = new Map(values.map((v) => [v.field_id, v.value]));
  const seenBy = (f: MemberField) => (f.visibility === 'admins' ? 'admins only' : f.visibility === 'members' ? 'members' : 'everyone');
  return (
    <section class="card" aria-labelledby="member-fields-title">
      <h2 id="member-fields-title">Member fields</h2>
      <dl>
        {fields.map((f) => {
          const value = byId.get(f.id);
          return (
            <>
              <dt>
                {f.label} <span class="muted">(seen by {seenBy(f)})</span>
              </dt>
              <dd>{value === undefined || value === '' ? (f.type === 'checkbox' ? 'No' : '—') : displayValue(f.type, value)}</dd>
            </>
          );
        })}
      </dl>
    </section>
  );
}
