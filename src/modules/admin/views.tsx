import { Checkbox, Field, Form, Select, type FieldErrors } from '#core/views/forms.js';

export interface Overview {
  pages: number;
  news: number;
  users: number;
  mailWaiting: number;
  mailMode: 'smtp' | 'file';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function AdminOverview({ o }: { o: Overview }) {
  return (
    <>
      <p>Welcome to the back office. Everything here changes the public site at once.</p>
      <ul class="overview">
        <li>
          <a href="/admin/pages">Pages</a>: {plural(o.pages, 'page')}, including the home page. Edit the text, the menu and who can see each page.
        </li>
        <li>
          <a href="/admin/news">News</a>: {plural(o.news, 'post')}. Published posts appear on the News page and in the RSS feed.
        </li>
        <li>
          <a href="/admin/users">Users</a>: {plural(o.users, 'account')}. Invite another administrator by e-mail.
        </li>
        <li>
          <a href="/admin/mail">Sent mail</a>: {o.mailWaiting === 0 ? 'nothing waiting to be sent.' : `${plural(o.mailWaiting, 'message')} waiting to be sent.`}
          {o.mailMode === 'file' ? ' No mail server is set up yet, so messages are kept as files and shown there.' : null}
        </li>
        <li>
          <a href="/admin/settings">Settings</a>: the association's name, logo, contact address and time zone.
        </li>
      </ul>
    </>
  );
}

export function SettingsForm(props: { csrf: string; values: Record<string, string>; errors?: FieldErrors; timeZones: string[]; logoUrl: string | null }) {
  const { values, errors = {} } = props;
  return (
    <Form action="/admin/settings" csrf={props.csrf} errors={errors} multipart label="Settings">
      <Field name="associationName" label="Association name" value={values.associationName} error={errors.associationName} required />
      <Field name="shortName" label="Short name" value={values.shortName} error={errors.shortName} hint="Used in page titles and e-mail subjects, e.g. CIPCA." required />
      <Field name="tagline" label="Tagline" value={values.tagline} error={errors.tagline} hint="One sentence under the name on the home page." />
      <Field name="contactEmail" label="Contact e-mail address" type="email" value={values.contactEmail} error={errors.contactEmail} hint="Shown at the foot of every page." />
      <Select
        name="timeZone"
        label="Time zone"
        value={values.timeZone}
        error={errors.timeZone}
        hint="Dates and times on the site and in e-mails are shown in this zone."
        options={props.timeZones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))}
        required
      />
      <fieldset>
        <legend>Logo</legend>
        {props.logoUrl ? (
          <p>
            Current logo: <img class="brand-logo" src={props.logoUrl} alt="Current logo" />
          </p>
        ) : (
          <p class="muted">No logo yet; the site shows the association's name.</p>
        )}
        <Field
          name="logo"
          label="Upload a new logo"
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          error={errors.logo}
          hint="PNG, JPEG, WebP or GIF, up to 2 MB. A wide image about 96 pixels high looks best."
        />
        {props.logoUrl ? <Checkbox name="removeLogo" label="Remove the logo" checked={values.removeLogo === 'on'} /> : null}
      </fieldset>
      <fieldset>
        <legend>Sign-in security</legend>
        <Checkbox
          name="requireAdminTwoFactor"
          label="Require two-factor sign-in for all administrators"
          checked={values.requireAdminTwoFactor === 'on'}
          error={errors.requireAdminTwoFactor}
          hint="An administrator without it is sent to set it up when they log in, and can use nothing else in the admin area until they have. You can turn this on only once two-factor sign-in is on for your own account (My account → Two-factor sign-in)."
        />
      </fieldset>
      <div class="form-actions">
        <button type="submit">Save settings</button>
      </div>
    </Form>
  );
}
