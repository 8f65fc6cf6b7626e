import { ActionButton, Field, Form, type FieldErrors } from '#core/views/forms.js';
import { formatDateTime } from '#core/views/render.js';
import { MAX_IMPORT_BYTES, type ImportView } from './service.js';
import { fieldColumn, IMPORT_COLUMNS } from './csv.js';
import { choicesOf, type MemberField } from '../fields/index.js';

/** The screens of a member import: the upload form, the preview (problems, or a summary to confirm), the progress. */

/** How a member field's column is filled in, for the list on the upload page. */
function fieldHint(f: MemberField) {
  const required = f.required ? ' (required)' : '';
  switch (f.type) {
    case 'checkbox':
      return `yes or no${f.required ? ' (must be yes)' : '; empty means no'}`;
    case 'choice':
      return `one of ${choicesOf(f).join(', ')}${required}`;
    case 'date':
      return `a date, YYYY-MM-DD${required}`;
    default:
      return `text${required}`;
  }
}

export function ImportUploadPage({ csrf, errors, fields = [] }: { csrf: string; errors?: FieldErrors; fields?: MemberField[] }) {
  return (
    <>
      <p>
        Add many members at once from a spreadsheet saved as a CSV file. Nothing is imported until you have seen a preview and confirmed it; a file with any problem is not imported
        at all.
      </p>
      <h2>What the file must look like</h2>
      <ul>
        <li>
          The first row names the columns: <code>{IMPORT_COLUMNS.join(',')}</code>. The columns <strong>name</strong>, <strong>email</strong> and <strong>level</strong> are
          required; the others may be left out or empty.
        </li>
        <li>One member per row. Each e-mail address may appear once, and must not belong to someone who already has an account.</li>
        <li>
          <strong>level</strong> is the name of a membership level exactly as on the Levels page. <strong>status</strong> is active, lapsed, suspended or cancelled (empty means
          active).
        </li>
        <li>
          <strong>renewal_date</strong> is written YYYY-MM-DD, for example 2027-01-31; an active member needs one.
        </li>
        {fields.length ? (
          <li>
            Member fields have a column each, named as in the CSV download:
            <ul>
              {fields.map((f) => (
                <li>
                  <code>{fieldColumn(f)}</code>: {f.label}, {fieldHint(f)}.
                </li>
              ))}
            </ul>
          </li>
        ) : null}
        <li>Imported members get an account without a password and are not e-mailed. Tell them to use “Forgot your password?” on the log-in page to choose one.</li>
      </ul>
      <p>
        Tip: the <a href="/admin/members.csv">CSV download of the member list</a> has these columns, so it can serve as a template.
      </p>
      <Form action="/admin/members/import" csrf={csrf} errors={errors} multipart label="Upload a CSV file">
        <Field name="file" label="CSV file" type="file" accept=".csv,text/csv" error={errors?.file} hint={`At most ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`} required />
        <div class="form-actions">
          <button type="submit">Check the file</button>
          <a class="button secondary" href="/admin/members">
            Cancel
          </a>
        </div>
      </Form>
    </>
  );
}

const columnLabel = (c: string) => (c === '' ? '—' : c);

export function ImportProgress({ batch, resuming = false }: { batch: ImportView['batch']; resuming?: boolean }) {
  const running = batch.status === 'queued' || batch.status === 'running';
  const processed = Math.min(batch.total, batch.done + (running ? batch.error_count : 0));
  const percent = batch.status === 'done' ? 100 : batch.total ? Math.floor((processed * 100) / batch.total) : 0;
  const url = `/admin/members/import/${batch.id}`;
  return (
    <div id="import-progress" class="card" {...(running ? { 'hx-get': `${url}/progress`, 'hx-trigger': 'every 2s', 'hx-swap': 'outerHTML' } : {})}>
      <div class="field">
        <label for="import-progress-bar">
          {running ? 'Importing members' : batch.status === 'done' ? 'Import finished' : 'Not imported'}: {batch.status === 'done' ? batch.done : processed} of {batch.total} (
          {percent}%)
        </label>
        <progress id="import-progress-bar" max={batch.total || 1} value={batch.status === 'done' ? batch.total || 1 : processed}>
          {percent}%
        </progress>
      </div>
      {running && resuming ? (
        <p class="flash info" role="status">
          Resuming — the process running this import stopped; it will go on shortly. Nothing is lost: every member in the file is imported, or none.
        </p>
      ) : null}
      {running ? (
        <p>
          You may leave this page; the import goes on. <a href={url}>Refresh this page</a> to see how far it is.
        </p>
      ) : null}
    </div>
  );
}

function ProblemTable({ problems }: { problems: ImportView['problems'] }) {
  return (
    <div class="table-wrap" role="region" aria-label="Problems found in the file" tabIndex={0}>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Column</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {problems.map((p) => (
            <tr>
              <td>{p.line === 0 ? 'whole file' : p.line}</td>
              <td>{columnLabel(p.column)}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ImportPage({ view, csrf, timeZone }: { view: ImportView; csrf: string; timeZone: string }) {
  const { batch, problems, ignoredColumns, byLevel, resuming } = view;
  const url = `/admin/members/import/${batch.id}`;
  const ignored = ignoredColumns.length ? <p class="flash info">These columns are not imported: {ignoredColumns.map((c) => `“${c}”`).join(', ')}.</p> : null;
  const uploaded = (
    <p class="muted">
      Uploaded {formatDateTime(batch.created_at, timeZone)}
      {batch.confirmed_at ? `, confirmed ${formatDateTime(batch.confirmed_at, timeZone)}` : ''}.
    </p>
  );
  switch (batch.status) {
    case 'invalid':
      return (
        <>
          {uploaded}
          <div class="error-summary" role="alert">
            <p>
              <strong>
                Nothing was imported. The file has {problems.length === 1 ? 'one problem' : `${problems.length} problems`}
                {batch.total ? ` in its ${batch.total} ${batch.total === 1 ? 'row' : 'rows'}` : ''}. Correct {problems.length === 1 ? 'it' : 'them'} in the spreadsheet, save it as
                CSV again and upload it.
              </strong>
            </p>
          </div>
          {ignored}
          <p>Line numbers count the header as line 1, as a spreadsheet does.</p>
          <ProblemTable problems={problems} />
          <p class="actions">
            <a class="button" href="/admin/members/import">
              Upload a corrected file
            </a>
          </p>
        </>
      );
    case 'ready':
      return (
        <>
          {uploaded}
          <p class="flash success" role="status">
            The file has no problems: {batch.total === 1 ? '1 new member' : `${batch.total} new members`} ready to import.
          </p>
          {ignored}
          <ul>
            {byLevel.map((l) => (
              <li>
                {l.name}: {l.n}
              </li>
            ))}
          </ul>
          <p>They get accounts without a password and no e-mail. Each gets an “imported” entry in their history.</p>
          <div class="actions">
            <ActionButton action={`${url}/confirm`} csrf={csrf} label={`Confirm: import ${batch.total === 1 ? '1 member' : `${batch.total} members`}`} />
            <form method="post" action={`${url}/cancel`} class="inline">
              <input type="hidden" name="_csrf" value={csrf} />
              <button type="submit" class="link-button">
                Cancel, import nothing
              </button>
            </form>
          </div>
        </>
      );
    case 'checking':
      return (
        <>
          {uploaded}
          <p>The check of this file was interrupted; nothing was imported.</p>
          <p>
            <a href="/admin/members/import">Upload the file again</a>
          </p>
        </>
      );
    case 'failed':
      return (
        <>
          {uploaded}
          <div class="error-summary" role="alert">
            <p>
              <strong>Not imported: {batch.failure}.</strong> Nothing from this file was imported; every member the import had added was taken out again.
            </p>
          </div>
          {problems.length > 0 ? (
            <>
              <p>Correct these rows in the spreadsheet, save it as CSV again and upload it.</p>
              <ProblemTable problems={problems} />
            </>
          ) : (
            <p>If the cause is passing (the database was busy or restarting), try again. Otherwise tell whoever looks after the web site.</p>
          )}
          <div class="actions">
            {problems.length === 0 ? <ActionButton action={`${url}/confirm`} csrf={csrf} label="Try the import again" /> : null}
            <a class={problems.length === 0 ? 'button secondary' : 'button'} href="/admin/members/import">
              Upload a corrected file
            </a>
          </div>
        </>
      );
    case 'cancelled':
      return (
        <>
          {uploaded}
          <p>This import was cancelled; nothing was imported.</p>
          <p>
            <a href="/admin/members/import">Upload another file</a>
          </p>
        </>
      );
    default:
      return (
        <>
          {uploaded}
          <ImportProgress batch={batch} resuming={resuming} />
          {batch.status === 'done' ? (
            <p class="flash success" role="status">
              {batch.done === 1 ? '1 member was imported.' : `${batch.done} members were imported.`} <a href="/admin/members">See the member list</a>.
            </p>
          ) : null}
        </>
      );
  }
}
