import type { SessionUser } from '#core/auth/sessions.js';
import { Field, Form, type FieldErrors } from '#core/views/forms.js';
import { formatDate } from '#core/views/render.js';
import { Pagination } from '#core/views/pagination.js';

type Values = Record<string, string>;

export function LoginForm({ csrf, values, errors, next }: { csrf: string; values: Values; errors?: FieldErrors; next: string }) {
  return (
    <>
      <Form action={`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} csrf={csrf} errors={errors} label="Log in">
        <Field name="email" label="E-mail address" type="email" value={values.email} error={errors?.email} autocomplete="username" required />
        <Field name="password" label="Password" type="password" error={errors?.password} autocomplete="current-password" required />
        <div class="form-actions">
          <button type="submit">Log in</button>
        </div>
      </Form>
      <p>
        <a href="/forgot-password">Forgot your password?</a>
      </p>
      <p>
        Not a member yet? <a href="/join">Become a member</a>.
      </p>
    </>
  );
}

export function ForgotForm({ csrf, values, errors }: { csrf: string; values: Values; errors?: FieldErrors }) {
  return (
    <>
      <p>Enter the e-mail address of your account. We will send you a link to choose a new password.</p>
      <Form action="/forgot-password" csrf={csrf} errors={errors} label="Reset password">
        <Field name="email" label="E-mail address" type="email" value={values.email} error={errors?.email} autocomplete="username" required />
        <div class="form-actions">
          <button type="submit">Send me a link</button>
        </div>
      </Form>
    </>
  );
}

export function ForgotSent({ address }: { address: string }) {
  return (
    <>
      <p>
        If an account exists for <strong>{address}</strong>, we have sent it a link to choose a new password. The link works once and expires in one hour.
      </p>
      <p>No e-mail after a few minutes? Check your spam folder, or make sure you typed the address you registered with.</p>
      <p>
        <a href="/login">Back to log in</a>
      </p>
    </>
  );
}

const passwordHint = 'At least 12 characters. A few unrelated words make a strong password that is easy to remember.';

export function NewPasswordFields({ errors }: { errors?: FieldErrors }) {
  return (
    <>
      <Field name="password" label="New password" type="password" error={errors?.password} autocomplete="new-password" hint={passwordHint} required />
      <Field name="confirm" label="Type the new password again" type="password" error={errors?.confirm} autocomplete="new-password" required />
    </>
  );
}

export function ResetForm({ csrf, action, email, errors }: { csrf: string; action: string; email: string; errors?: FieldErrors }) {
  return (
    <Form action={action} csrf={csrf} errors={errors} label="Choose a new password">
      <p>
        Choose a new password for <strong>{email}</strong>.
      </p>
      <input type="hidden" name="username" value={email} autocomplete="username" />
      <NewPasswordFields errors={errors} />
      <div class="form-actions">
        <button type="submit">Save the new password</button>
      </div>
    </Form>
  );
}

export function SetupForm({ csrf, action, email, values, errors }: { csrf: string; action: string; email: string; values: Values; errors?: FieldErrors }) {
  return (
    <Form action={action} csrf={csrf} errors={errors} label="Set up your account">
      {email ? (
        <p>
          You will log in with <strong>{email}</strong>.
        </p>
      ) : (
        <>
          <p>You are setting up the site's first administrator account.</p>
          <Field
            name="email"
            label="Your e-mail address"
            type="email"
            value={values.email}
            error={errors?.email}
            autocomplete="username"
            hint="You will log in with it, and password-reset links are sent to it."
            required
          />
        </>
      )}
      <Field name="name" label="Your name" value={values.name} error={errors?.name} autocomplete="name" required />
      <NewPasswordFields errors={errors} />
      <div class="form-actions">
        <button type="submit">Save and log in</button>
      </div>
    </Form>
  );
}

export function LinkExpired({ purpose }: { purpose: 'reset' | 'setup' }) {
  return (
    <>
      <p>This link has expired or was already used. Links work once, for a limited time.</p>
      {purpose === 'reset' ? (
        <p>
          <a href="/forgot-password">Ask for a new link</a>
        </p>
      ) : (
        <p>Ask an administrator of the association to invite you again.</p>
      )}
    </>
  );
}

export function AccountPage({ user, twoFactor }: { user: SessionUser; twoFactor: boolean }) {
  return (
    <>
      <dl class="card">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>E-mail address</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{user.role === 'admin' ? 'Administrator' : 'Member'}</dd>
        <dt>Two-factor sign-in</dt>
        <dd>{twoFactor ? 'On' : 'Off'}</dd>
      </dl>
      <p>
        <a class="button secondary" href="/account/password">
          Change my password
        </a>{' '}
        <a class="button secondary" href="/account/two-factor">
          {twoFactor ? 'Two-factor sign-in' : 'Set up two-factor sign-in'}
        </a>
      </p>
    </>
  );
}

export function ChangePasswordForm({ csrf, errors }: { csrf: string; errors?: FieldErrors }) {
  return (
    <Form action="/account/password" csrf={csrf} errors={errors} label="Change password">
      <Field name="current" label="Current password" type="password" error={errors?.current} autocomplete="current-password" required />
      <NewPasswordFields errors={errors} />
      <p class="hint">You will stay logged in here and be logged out on your other devices.</p>
      <div class="form-actions">
        <button type="submit">Change password</button>
        <a class="button secondary" href="/account">
          Cancel
        </a>
      </div>
    </Form>
  );
}

interface UserRow {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'member';
  created_at: string;
  password_hash: string | null;
}

export function UserList({ users, page, pages, timeZone, twoFactor }: { users: UserRow[]; page: number; pages: number; timeZone: string; twoFactor: Set<number> }) {
  return (
    <>
      <p>
        <a class="button" href="/admin/users/invite">
          Invite an administrator
        </a>
      </p>
      <div class="table-wrap" role="region" aria-label="User accounts" tabIndex={0}>
        <table class="data">
          <caption class="visually-hidden">User accounts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Two-factor sign-in</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <td>
                  {u.name}
                  {u.password_hash ? null : <span class="badge draft">Invitation not accepted yet</span>}
                </td>
                <td>{u.email}</td>
                <td>{u.role === 'admin' ? 'Administrator' : 'Member'}</td>
                <td>{twoFactor.has(u.id) ? 'On' : 'Off'}</td>
                <td>{formatDate(u.created_at, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination base="/admin/users" page={page} pages={pages} />
    </>
  );
}

export function InviteForm({ csrf, values, errors }: { csrf: string; values: Values; errors?: FieldErrors }) {
  return (
    <>
      <p>The person receives an e-mail with a link to choose a password; the link works for 7 days. If they already have an account, they become an administrator at once.</p>
      <Form action="/admin/users/invite" csrf={csrf} errors={errors} label="Invite an administrator">
        <Field name="name" label="Their name" value={values.name} error={errors?.name} required />
        <Field name="email" label="Their e-mail address" type="email" value={values.email} error={errors?.email} required />
        <div class="form-actions">
          <button type="submit">Send the invitation</button>
          <a class="button secondary" href="/admin/users">
            Cancel
          </a>
        </div>
      </Form>
    </>
  );
}
