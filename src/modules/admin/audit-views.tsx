import { parseChanges } from '#core/audit/index.js';
import type { AuditRow } from '#core/audit/queries.js';
import { FilterActions, MatchCount } from '#core/views/filters.js';
import { Field, Select } from '#core/views/forms.js';
import { Pagination } from '#core/views/pagination.js';
import { formatDateTime } from '#core/views/render.js';
import { actionLabel, AUDIT_AREAS, AUDIT_PER_PAGE, auditQueryString, type AuditParamErrors, type AuditParams } from './audit.js';

interface Actor {
  kind: 'user' | 'stripe';
  userId: number | null;
  name: string;
  email: string;
}

function KindSelect({ value }: { value: string }) {
  return (
    <div class="field">
      <label for="kind">Kind of action</label>
      <select id="kind" name="kind">
        <option value="" selected={value === ''}>
          Any action
        </option>
        {AUDIT_AREAS.map((area) => (
          <optgroup label={area.label}>
            <option value={`area:${area.key}`} selected={value === `area:${area.key}`}>
              Any of: {area.label.toLowerCase()}
            </option>
            {Object.entries(area.actions).map(([action, label]) => (
              <option value={action} selected={value === action}>
                {label}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

function Entry({ row, timeZone }: { row: AuditRow; timeZone: string }) {
  const changes = parseChanges(row.changes);
  return (
    <li class="audit-entry">
      <p class="audit-head">
        <strong>{row.summary}</strong> <span class="badge">{actionLabel(row.action)}</span>
      </p>
      <dl class="audit-meta">
        <div>
          <dt>When</dt>
          <dd>
            <time datetime={row.created_at}>{formatDateTime(row.created_at, timeZone)}</time>
          </dd>
        </div>
        <div>
          <dt>Who</dt>
          <dd>{row.actor_kind === 'stripe' ? 'Stripe (automatic)' : `${row.actor_name} (${row.actor_email})`}</dd>
        </div>
        <div>
          <dt>From</dt>
          <dd>{row.ip ?? '—'}</dd>
        </div>
        {row.person_user_id !== null && row.person_name ? (
          <div>
            <dt>Member</dt>
            <dd>
              <a href={`/admin/audit?person=${row.person_user_id}`}>{row.person_name}</a>
            </dd>
          </div>
        ) : null}
      </dl>
      {changes.length > 0 ? (
        <ul class="audit-changes" aria-label="Changes">
          {changes.map((c) =>
            c.hidden ? (
              <li>
                <span class="audit-field">{c.field}</span>: changed
              </li>
            ) : (
              <li>
                <span class="audit-field">{c.field}</span>: <del>{c.before || '(empty)'}</del> → <ins>{c.after || '(empty)'}</ins>
              </li>
            ),
          )}
        </ul>
      ) : null}
    </li>
  );
}

export function AuditPage(props: {
  rows: AuditRow[];
  total: number;
  page: number;
  pages: number;
  params: AuditParams;
  errors: AuditParamErrors;
  actors: Actor[];
  personName: string | undefined;
  timeZone: string;
}) {
  const { params, rows, total } = props;
  const filtered = params.actor || params.kind || params.from || params.to || params.person !== null;
  const csv = `/admin/audit.csv${auditQueryString(params, { page: 1 })}`;
  return (
    <>
      <p>Every change an administrator made to settings, roles, money or members' data, newest first. Entries cannot be edited or deleted.</p>
      {params.person !== null ? (
        <p class="flash info">
          Showing the changes concerning {props.personName ?? `person number ${params.person}`}.{' '}
          <a href={`/admin/audit${auditQueryString(params, { person: null, page: 1 })}`}>Show everyone</a>
        </p>
      ) : null}
      <form method="get" action="/admin/audit" class="stack card" aria-label="Filter the audit log">
        {params.person !== null ? <input type="hidden" name="person" value={String(params.person)} /> : null}
        <Select
          name="actor"
          label="Who"
          value={params.actor}
          options={[
            { value: '', label: 'Anyone' },
            ...props.actors.map((a) => (a.kind === 'stripe' ? { value: 'stripe', label: 'Stripe (automatic)' } : { value: `user:${a.userId}`, label: `${a.name} (${a.email})` })),
          ]}
        />
        <KindSelect value={params.kind} />
        <Field name="from" label="From (date)" type="date" value={params.from} error={props.errors.from} hint={`Whole days in the association's time zone (${props.timeZone}).`} />
        <Field name="to" label="Until (date, included)" type="date" value={params.to} error={props.errors.to} />
        <FilterActions submit="Show entries" clear="/admin/audit" filtered={!!filtered} />
      </form>
      <MatchCount total={total} one="entry" many="entries" csv={csv} />
      {rows.length === 0 ? null : (
        <ol class="audit-log" aria-label={`Audit log, page ${props.page} of ${props.pages}`}>
          {rows.map((row) => (
            <Entry row={row} timeZone={props.timeZone} />
          ))}
        </ol>
      )}
      <Pagination base={`/admin/audit${auditQueryString(params, { page: 1 })}`} page={props.page} pages={props.pages} />
      {props.pages > 1 ? <p class="muted">{AUDIT_PER_PAGE} entries a page.</p> : null}
    </>
  );
}
