import type { ComponentChildren } from 'preact';
import { CsrfField } from './layout.js';

export type FieldErrors = Partial<Record<string, string>>;

interface Common {
  name: string;
  label: string;
  error?: string;
  hint?: ComponentChildren;
  required?: boolean;
}

const describedBy = (name: string, hint: unknown, error: unknown) => [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;

function Hint({ name, hint }: { name: string; hint?: ComponentChildren }) {
  return hint ? (
    <p class="hint" id={`${name}-hint`}>
      {hint}
    </p>
  ) : null;
}

function ErrorText({ name, error }: { name: string; error?: string }) {
  return error ? (
    <p class="field-error" id={`${name}-error`}>
      Error: {error}
    </p>
  ) : null;
}

export function Field(props: Common & { type?: string; value?: string | number | null; autocomplete?: string; maxLength?: number; inputMode?: string; accept?: string }) {
  const { name, label, error, hint, required, type = 'text', value, autocomplete, maxLength, accept } = props;
  return (
    <div class="field">
      <label for={name}>
        {label}
        {required ? null : <span class="muted"> (optional)</span>}
      </label>
      <Hint name={name} hint={hint} />
      <input
        id={name}
        name={name}
        type={type}
        value={type === 'password' || type === 'file' ? undefined : (value ?? '')}
        required={required}
        autocomplete={autocomplete}
        maxLength={maxLength}
        accept={accept}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(name, hint, error)}
      />
      <ErrorText name={name} error={error} />
    </div>
  );
}

export function TextArea(props: Common & { value?: string | null; rows?: number; markdown?: boolean }) {
  const { name, label, error, hint, required, value, rows = 12, markdown } = props;
  return (
    <div class="field">
      <label for={name}>
        {label}
        {required ? null : <span class="muted"> (optional)</span>}
      </label>
      <Hint name={name} hint={hint} />
      <textarea
        id={name}
        name={name}
        rows={rows}
        required={required}
        class={markdown ? 'markdown' : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(name, hint, error)}
      >
        {value ?? ''}
      </textarea>
      <ErrorText name={name} error={error} />
    </div>
  );
}

export function Select(props: Common & { value?: string | null; options: { value: string; label: string }[] }) {
  const { name, label, error, hint, required, value, options } = props;
  return (
    <div class="field">
      <label for={name}>{label}</label>
      <Hint name={name} hint={hint} />
      <select id={name} name={name} required={required} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(name, hint, error)}>
        {options.map((o) => (
          <option value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorText name={name} error={error} />
    </div>
  );
}

export function Checkbox(props: Omit<Common, 'required'> & { checked?: boolean }) {
  const { name, label, error, hint, checked } = props;
  return (
    <div class="field checkbox">
      <input id={name} name={name} type="checkbox" value="on" checked={checked} aria-describedby={describedBy(name, hint, error)} />
      <label for={name}>{label}</label>
      <Hint name={name} hint={hint} />
      <ErrorText name={name} error={error} />
    </div>
  );
}

/** Listed at the top of a form that came back with errors, each linking to its field. */
export function ErrorSummary({ errors }: { errors?: FieldErrors }) {
  const entries = Object.entries(errors ?? {}).filter(([, v]) => v);
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert">
      <p>
        <strong>{entries.length === 1 ? 'Please correct one problem:' : `Please correct ${entries.length} problems:`}</strong>
      </p>
      <ul>
        {entries.map(([field, message]) => (
          <li>{field === 'form' ? message : <a href={`#${field}`}>{message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

export function Form(props: { action: string; csrf: string; children: ComponentChildren; errors?: FieldErrors; multipart?: boolean; class?: string; label?: string }) {
  return (
    <form method="post" action={props.action} class={props.class ?? 'stack'} enctype={props.multipart ? 'multipart/form-data' : undefined} aria-label={props.label} novalidate>
      <ErrorSummary errors={props.errors} />
      <CsrfField token={props.csrf} />
      {props.children}
    </form>
  );
}

/** A one-button form, for actions such as "Delete" or "Log out". */
export function ActionButton(props: { action: string; csrf: string; label: string; danger?: boolean }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}
