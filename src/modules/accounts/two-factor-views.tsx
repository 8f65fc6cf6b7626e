import { Field, Form, type FieldErrors } from '#core/views/forms.js';
import { formatDate } from '#core/views/render.js';
import type { Setup, TwoFactorStatus } from './two-factor.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The second step of logging in, after the right password. */
export function CodeForm({ csrf, next, errors }: { csrf: string; next: string; errors?: FieldErrors }) {
  return (
    <>
      <p>Your account uses two-factor sign-in. Open the authenticator app on your phone to see the code.</p>
      <Form action={`/login/code${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} csrf={csrf} errors={errors} label="Two-factor code">
        <Field
          name="code"
          label="Code"
          hint="Enter the 6-digit code from your app, or a recovery code."
          error={errors?.code}
          autocomplete="one-time-code"
          maxLength={40}
          required
        />
        <div class="form-actions">
          <button type="submit">Log in</button>
        </div>
      </Form>
      <p>
        Lost your phone and your recovery codes? Ask another administrator or the person who runs the site to reset two-factor sign-in for your account.{' '}
        <a href="/login">Start again</a>
      </p>
    </>
  );
}

/** Set-up: scan (or type) the secret, then prove it with a code. */
export function SetupForm({ csrf, setup, errors, code }: { csrf: string; setup: Setup; errors?: FieldErrors; code?: string }) {
  return (
    <>
      <p>
        With two-factor sign-in, logging in asks for your password and then a code from an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator,
        1Password or Aegis). Someone who learns your password still cannot log in.
      </p>
      <h2>1. Add the account to your app</h2>
      <p>In your app, choose to add an account and scan this QR code.</p>
      <p>
        <img class="qr" src={setup.qr} width={220} height={220} alt="QR code for your authenticator app (the same key is written below)" />
      </p>
      <p>
        Cannot scan? Choose "enter a key" in the app and type this key (time-based):
        <br />
        <code class="secret">{setup.secret}</code>
      </p>
      <h2>2. Type your password and the code your app shows</h2>
      <Form action="/account/two-factor" csrf={csrf} errors={errors} label="Turn on two-factor sign-in">
        <input type="hidden" name="sealed" value={setup.sealed} />
        <Field name="password" label="Your password" type="password" error={errors?.password} autocomplete="current-password" required />
        <Field name="code" label="6-digit code" error={errors?.code} value={code} autocomplete="one-time-code" maxLength={10} required />
        <div class="form-actions">
          <button type="submit">Turn on two-factor sign-in</button>
          <a class="button secondary" href="/account">
            Cancel
          </a>
        </div>
      </Form>
    </>
  );
}

/** The recovery codes, shown once. */
export function RecoveryCodes({ codes, fresh }: { codes: string[]; fresh: boolean }) {
  return (
    <>
      <div class="flash success" role="status">
        <p>
          {fresh
            ? 'Two-factor sign-in is on. You were logged out on your other devices; logging in there now asks for a code.'
            : 'Your new recovery codes are ready; the old ones no longer work.'}
        </p>
      </div>
      <h2>Your recovery codes</h2>
      <p>
        If you lose your phone, each of these codes logs you in once instead of a code from the app. <strong>Save them now</strong> (print them or keep them in a password manager):
        this page is the only time they are shown.
      </p>
      <ul class="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <p>
        <a class="button" href="/account/two-factor">
          I have saved them
        </a>
      </p>
    </>
  );
}

/** Two-factor is on: make new recovery codes, or turn it off. */
export function TwoFactorOn(props: { csrf: string; status: TwoFactorStatus; timeZone: string; required: boolean; errors?: FieldErrors; action?: string }) {
  const { status, errors } = props;
  const errorsFor = (action: string) => (props.action === action ? errors : undefined);
  return (
    <>
      <p>
        Two-factor sign-in is <strong>on</strong> for your account{status.enabledAt ? ` since ${formatDate(status.enabledAt, props.timeZone)}` : ''}. You have{' '}
        {plural(status.recoveryLeft, 'unused recovery code')}.
      </p>
      <h2>New recovery codes</h2>
      <p>Make a new set of 10 codes if you used several or lost them; the old ones stop working.</p>
      <Form action="/account/two-factor/recovery-codes" csrf={props.csrf} errors={errorsFor('codes')} label="New recovery codes">
        <Field
          name="confirmCodes"
          label="Your password, or a code from your app"
          type="password"
          error={errorsFor('codes')?.confirmCodes}
          autocomplete="current-password"
          required
        />
        <div class="form-actions">
          <button type="submit">Make new recovery codes</button>
        </div>
      </Form>
      <h2>Turn off two-factor sign-in</h2>
      {props.required ? (
        <p>Two-factor sign-in is required for all administrators of this site, so it cannot be turned off here.</p>
      ) : (
        <Form action="/account/two-factor/off" csrf={props.csrf} errors={errorsFor('off')} label="Turn off two-factor sign-in">
          <Field name="confirmOff" label="Your password, or a code from your app" type="password" error={errorsFor('off')?.confirmOff} autocomplete="current-password" required />
          <div class="form-actions">
            <button type="submit" class="danger">
              Turn off two-factor sign-in
            </button>
          </div>
        </Form>
      )}
    </>
  );
}
