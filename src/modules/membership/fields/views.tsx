import { Checkbox, Field, Form, Select, TextArea, type FieldErrors } from '#core/views/forms.js';
import { choicesOf, FIELD_TYPES, inputName, MAX_TEXT, VISIBILITY, type MemberField } from './service.js';

type Values = Record<string, string>;

const typeLabel = (type: string) => FIELD_TYPES.find((t) => t.value === type)?.label ?? type;
const visibilityLabel = (v: string) => VISIBILITY.find((x) => x.value === v)?.label ?? v;

/** A choice field's options; an answer the board has since taken off the list stays selectable, marked. */
function choiceOptions(field: MemberField, current: string) {
  const choices = choicesOf(field);
  const retired = current !== '' && !choices.includes(current) ? [{ value: current, label: `${current} (no longer offered)` }] : [];
  return [{ value: '', label: 'Choose…' }, ...retired, ...choices.map((c) => ({ value: c, label: c }))];
}

/**
 * The inputs of the board's member fields, for any form (the application, the profile). Input
 * names are `field_<key>`; `values` and `errors` use the same names.
 */
export function customFieldInputs(fields: MemberField[], values: Values, errors?: FieldErrors) {
  const e = errors ?? {};
  return fields.map((field) => {
    const name = inputName(field);
    const seenBy = field.visibility === 'admins' ? "Seen only by the association's administrators." : 'Shown to members in the member directory.';
    switch (field.type) {
      case 'checkbox':
        return <Checkbox name={name} label={field.label} checked={values[name] === 'on'} error={e[name]} hint={seenBy} />;
      case 'choice':
        return (
          <Select
            name={name}
            label={field.required ? field.label : `${field.label} (optional)`}
            value={values[name] ?? ''}
            options={choiceOptions(field, values[name] ?? '')}
            error={e[name]}
            hint={seenBy}
            required={field.required === 1}
          />
        );
      case 'date':
        return (
          <Field name={name} label={field.label} type="date" value={values[name]} error={e[name]} required={field.required === 1} hint={`For example 2026-03-15. ${seenBy}`} />
        );
      default:
        return <Field name={name} label={field.label} value={values[name]} error={e[name]} required={field.required === 1} maxLength={MAX_TEXT} hint={seenBy} />;
    }
  });
}

// Admin

export function FieldList({ fields }: { fields: MemberField[] }) {
  return (
    <>
      <p>
        Ask members more than the built-in name, e-mail, organization, job title, phone and address. Member fields appear on the application form and on each member's profile; the
        ones members may see also appear in the member directory.
      </p>
      <p>
        <a class="button" href="/admin/fields/new">
          New field
        </a>
      </p>
      {fields.length === 0 ? (
        <p>No member fields yet.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="Member fields" tabIndex={0}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Position</th>
                <th scope="col">Field</th>
                <th scope="col">Answer</th>
                <th scope="col">Required</th>
                <th scope="col">Who may see it</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => (
                <tr>
                  <td>{f.position}</td>
                  <td>
                    <a href={`/admin/fields/${f.id}`}>{f.label}</a>
                  </td>
                  <td>
                    {typeLabel(f.type)}
                    {f.type === 'choice' ? <span class="muted">: {choicesOf(f).join(', ')}</span> : null}
                  </td>
                  <td>{f.required ? 'Yes' : 'No'}</td>
                  <td>{visibilityLabel(f.visibility)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function fieldValues(f: MemberField): Values {
  return {
    label: f.label,
    type: f.type,
    choices: f.choices,
    required: f.required ? 'on' : '',
    visibility: f.visibility,
    position: String(f.position),
  };
}

export function FieldForm({ action, csrf, values, errors, fieldKey }: { action: string; csrf: string; values: Values; errors?: FieldErrors; fieldKey?: string }) {
  const e = errors ?? {};
  return (
    <Form action={action} csrf={csrf} errors={errors} label="Member field">
      <Field
        name="label"
        label="Label"
        value={values.label}
        error={e.label}
        hint={
          fieldKey
            ? `What members read beside the field. Its key, ${fieldKey}, stays the same when you rename it.`
            : 'What members read beside the field, e.g. “Certification level”.'
        }
        required
      />
      <Select name="type" label="Kind of answer" value={values.type ?? 'text'} options={FIELD_TYPES} error={e.type} />
      <TextArea
        name="choices"
        label="Choices (for a choice from a list)"
        value={values.choices}
        error={e.choices}
        rows={5}
        hint="One choice on each line, at least two. Leave empty for other kinds of answer."
      />
      <Checkbox name="required" label="Members must answer this field" checked={values.required === 'on'} error={e.required} />
      <Select name="visibility" label="Who may see the answers" value={values.visibility ?? 'admins'} options={VISIBILITY} error={e.visibility} />
      <Field
        name="position"
        label="Position"
        type="number"
        value={values.position}
        error={e.position}
        hint="Fields are shown in this order. Leave empty to put a new field last."
      />
      <div class="form-actions">
        <button type="submit">Save field</button>
        <a class="button secondary" href="/admin/fields">
          Cancel
        </a>
      </div>
    </Form>
  );
}
