import { ActionButton, Field, Form, TextArea, type FieldErrors } from '#core/views/forms.js';
import { formatDateTime } from '#core/views/render.js';
import type { TemplateDefinition } from '#core/mail/templates.js';

type TemplateRow = { key: string; name: string; description: string; edited: boolean };

/** The templates by the part of the site that sends them (the start of the key: `accounts.`, `membership.`, `billing.`). */
const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'accounts.', title: 'Log-in and accounts' },
  { prefix: 'membership.', title: 'Membership' },
  { prefix: 'billing.', title: 'Payments' },
];

export function TemplateList({ templates }: { templates: TemplateRow[] }) {
  const groups = GROUPS.map((g) => ({ ...g, rows: templates.filter((t) => t.key.startsWith(g.prefix)) }));
  const other = templates.filter((t) => !GROUPS.some((g) => t.key.startsWith(g.prefix)));
  if (other.length) groups.push({ prefix: '', title: 'Other', rows: other });
  return (
    <>
      <p>
        The e-mails the site sends by itself. Reword any of them; <code>{'{{name}}'}</code> and the other merge fields are filled in for each person. An e-mail you have not edited
        uses the default text.
      </p>
      {groups
        .filter((g) => g.rows.length)
        .map((g) => (
          <>
            <h2>{g.title}</h2>
            <div class="table-wrap" role="region" aria-label={`E-mail templates: ${g.title}`} tabIndex={0}>
              <table class="data">
                <caption class="visually-hidden">E-mail templates: {g.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">E-mail</th>
                    <th scope="col">When it is sent</th>
                  </tr>
                </thead>
                <tbody>
                  {g.rows.map((t) => (
                    <tr>
                      <td>
                        <a href={`/admin/mail/templates/${t.key}`}>{t.name}</a>
                        {t.edited ? (
                          <>
                            {' '}
                            <span class="badge draft">Edited</span>
                          </>
                        ) : null}
                      </td>
                      <td>{t.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ))}
      <p>
        <a href="/admin/mail">Sent mail</a>
      </p>
    </>
  );
}

export function TemplateEditor(props: {
  definition: TemplateDefinition;
  csrf: string;
  values: { subject: string; text: string };
  edited: boolean;
  updatedAt: string | null;
  timeZone: string;
  preview: { subject: string; text: string };
  /** The preview shows what was typed, not what is saved. */
  unsaved?: boolean;
  errors?: FieldErrors;
}) {
  const { definition: d } = props;
  const e = props.errors ?? {};
  const action = `/admin/mail/templates/${d.key}`;
  return (
    <>
      <p>{d.description}</p>
      <p>
        {props.edited ? (
          <>
            <span class="badge draft">Edited</span>
            {props.updatedAt ? ` Last changed ${formatDateTime(props.updatedAt, props.timeZone)}.` : null}
          </>
        ) : (
          'This e-mail uses the default text.'
        )}
      </p>
      <Form action={action} csrf={props.csrf} errors={props.errors} label={`Edit the e-mail: ${d.name}`}>
        <Field name="subject" label="Subject" value={props.values.subject} error={e.subject} maxLength={200} required />
        <TextArea
          name="text"
          label="Text"
          value={props.values.text}
          error={e.text}
          rows={16}
          required
          hint="Plain text, sent as typed. Merge fields are written in double braces, for example {{name}}. A line whose merge fields are all empty for someone is left out of their e-mail."
        />
        <div class="form-actions">
          <button type="submit" name="intent" value="save">
            Save the e-mail
          </button>
          <button type="submit" name="intent" value="preview" class="button secondary">
            Preview without saving
          </button>
        </div>
      </Form>
      <h2>Merge fields</h2>
      <dl class="card">
        {Object.entries(d.fields).map(([name, f]) => (
          <>
            <dt>
              <code>{`{{${name}}}`}</code>
            </dt>
            <dd>
              {f.description} (for example: {f.sample}){f.required ? '. Required: the e-mail is of no use without it.' : null}
            </dd>
          </>
        ))}
      </dl>
      <h2>Preview{props.unsaved ? ' (not saved yet)' : ''}</h2>
      <p class="muted">With example values in place of the merge fields.</p>
      <p>
        <strong>Subject:</strong> <span id="preview-subject">{props.preview.subject}</span>
      </p>
      <pre class="mail-body" id="preview-text">
        {props.preview.text}
      </pre>
      {props.edited ? (
        <>
          <h2>Restore the default</h2>
          <p>Go back to the text Headworks came with; your wording is discarded.</p>
          <ActionButton action={`${action}/restore`} csrf={props.csrf} label="Restore the default" danger />
        </>
      ) : null}
      <p>
        <a href="/admin/mail/templates">All e-mail templates</a>
      </p>
    </>
  );
}
