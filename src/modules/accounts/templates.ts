import { type MergeField, type TemplateFields, commonFields, defineTemplates, field } from '#core/mail/templates.js';

/** The accounts e-mails admins can reword (Admin → E-mail templates); emails.ts supplies their merge fields. */

// The fields of the account e-mails, which go to anyone with an account (not only members).
const person = {
  name: { description: "the person's full name", sample: 'Pat Inspector' },
  inviter: { description: 'the name of the administrator who invited them', sample: 'Board Admin' },
} satisfies Record<string, MergeField>;

export const ACCOUNTS_TEMPLATES = defineTemplates([
  {
    key: 'accounts.password_reset',
    name: 'Password reset link',
    description: 'Sent when someone asks to reset a forgotten password from the log-in page, with the link that lets them choose a new one.',
    fields: {
      name: person.name,
      association: commonFields.association,
      link: field('the link to choose a new password (it works once)', 'https://example.org/reset-password/abc123', { required: true }),
      valid_for: field('how long the link works', '1 hour'),
    },
    subject: 'Reset your {{association}} password',
    text: `Hello {{name}},

Someone (we hope you) asked to reset the password of your {{association}} account.
To choose a new password, open this link within {{valid_for}}:

{{link}}

The link works once. If you did not ask for this, ignore this e-mail: your password stays as it is.
`,
  },
  {
    key: 'accounts.password_changed',
    name: 'Password changed',
    description: 'Sent when someone changes their password under My account, so they notice if it was not them.',
    fields: {
      name: person.name,
      association: commonFields.association,
      link: field('the link to the "Forgot your password?" page', 'https://example.org/forgot-password'),
    },
    subject: 'Your {{association}} password was changed',
    text: `Hello {{name}},

The password of your {{association}} account was just changed, and you were logged out on your other devices.
If this was not you, reset your password now:

{{link}}
`,
  },
  {
    key: 'accounts.admin_invite',
    name: 'Invitation to administer the website',
    description: 'Sent when an admin invites someone without an account to be an administrator (Admin → Users), with the link to set up their account.',
    fields: {
      name: person.name,
      association: commonFields.association,
      inviter: person.inviter,
      link: field('the link to choose a name and password (it works once)', 'https://example.org/setup/abc123', { required: true }),
      valid_for: field('how long the link works', '7 days'),
    },
    subject: 'You are invited to administer the {{association}} website',
    text: `Hello {{name}},

{{inviter}} has invited you to help run the {{association}} website as an administrator.
To accept, open this link within {{valid_for}} and choose your password:

{{link}}

If you were not expecting this, you can ignore this e-mail.
`,
  },
  {
    key: 'accounts.admin_promoted',
    name: 'Made an administrator',
    description: 'Sent when an admin makes someone who already has an account an administrator (Admin → Users).',
    fields: {
      name: person.name,
      association: commonFields.association,
      inviter: person.inviter,
      link: field('the link to the admin area', 'https://example.org/admin'),
    },
    subject: 'You are now an administrator of the {{association}} website',
    text: `Hello {{name}},

{{inviter}} has made you an administrator of the {{association}} website.
Log in as usual and open the admin area:

{{link}}
`,
  },
  {
    key: 'accounts.two_factor_on',
    name: 'Two-factor sign-in turned on',
    description: 'Sent when someone turns on two-factor sign-in for their account (My account → Two-factor sign-in), so they notice if it was not them.',
    fields: {
      name: person.name,
      association: commonFields.association,
      link: field('the link to the "Forgot your password?" page', 'https://example.org/forgot-password'),
    },
    subject: 'Two-factor sign-in is on for your {{association}} account',
    text: `Hello {{name}},

Two-factor sign-in was just turned on for your {{association}} account: from now on, logging in asks for
a code from your authenticator app (or one of your recovery codes) after your password.
Keep your recovery codes somewhere safe, away from your phone.

If this was not you, reset your password now and tell the association:

{{link}}
`,
  },
  {
    key: 'accounts.two_factor_off',
    name: 'Two-factor sign-in turned off',
    description: 'Sent when two-factor sign-in is turned off for an account (by its owner, or reset by the site operator), so they notice if it was not them.',
    fields: {
      name: person.name,
      association: commonFields.association,
      link: field('the link to the "Forgot your password?" page', 'https://example.org/forgot-password'),
    },
    subject: 'Two-factor sign-in is off for your {{association}} account',
    text: `Hello {{name}},

Two-factor sign-in was just turned off for your {{association}} account: logging in now asks only for
your password. You can turn it on again under My account.

If this was not you, reset your password now and tell the association:

{{link}}
`,
  },
]);

declare module '#core/mail/templates.js' {
  interface MailTemplates extends TemplateFields<typeof ACCOUNTS_TEMPLATES> {}
}
