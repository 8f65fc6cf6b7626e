import { type MergeField, type TemplateFields, commonFields, defineTemplates, field } from '#core/mail/templates.js';

/** The membership e-mails admins can reword (Admin → E-mail templates); emails.ts supplies their merge fields. */

// The fields of the agency-bundle e-mails.
const bundle = {
  name: { description: "the person's full name", sample: 'Pat Inspector' },
  added_by: {
    description: 'who added them: the agency\'s contact, or the administrator who did it for the agency ("Your agency\'s contact" when the name holds a web address)',
    sample: 'Casey Contact',
  },
  organization: { description: 'the name of the agency ("their agency" when none is set, or it holds a web address)', sample: 'City of Boulder' },
} satisfies Record<string, MergeField>;

const howToPay = `Renew from your account page:

{{link}}

To pay by check or bank transfer, download the invoice there (PDF) and follow its instructions.
Questions? Write to {{contact}}.
`;

export const MEMBERSHIP_TEMPLATES = defineTemplates([
  {
    key: 'membership.application_received',
    name: 'Application received (confirm e-mail address)',
    description: 'Sent when someone applies for membership, with the link that confirms their e-mail address.',
    fields: {
      name: field(
        'the name typed on the application (whoever typed it, not yet known to own this address: best left out of the greeting; empty when it holds a web address)',
        'Pat Inspector',
      ),
      association: commonFields.association,
      level: field('the membership level applied for', 'Individual'),
      link: field('the link that confirms the e-mail address (valid for 3 days)', 'https://example.org/join/verify/abc123', { required: true }),
    },
    subject: 'Confirm your e-mail address for your {{association}} application',
    text: `Hello,

Thank you for applying for {{level}} membership of {{association}}.
Please confirm that this is your e-mail address by opening this link within 3 days:

{{link}}

After that you will see your invoice and how to pay it.
If you did not apply, ignore this e-mail and nothing more will happen.
`,
  },
  {
    key: 'membership.join_attempt',
    name: 'Application with an address that has an account',
    description:
      'Sent instead of the confirmation when someone applies with an e-mail address that already has an account: the form answers the same either way, so it does not tell who has an account, and the owner learns how to log in.',
    fields: {
      association: commonFields.association,
      link: field('the link to the log-in page', 'https://example.org/login', { required: true }),
      reset_link: field('the link to the "Forgot your password?" page', 'https://example.org/forgot-password'),
    },
    subject: 'Your {{association}} account',
    text: `Hello,

Someone tried to apply for membership of {{association}} with this e-mail address. It already has an account with us, so no new account was made and nothing in yours has changed.

If it was you, log in to see your membership; if you are not a member now, you can apply from the join page once logged in:

{{link}}

Forgot your password, or never chose one? Choose a new one here:

{{reset_link}}

If it was not you, ignore this e-mail.
`,
  },
  {
    key: 'membership.approved',
    name: 'Application approved',
    description: 'Sent when the board approves an application whose dues are not paid yet.',
    fields: { name: commonFields.name, association: commonFields.association, link: commonFields.link },
    subject: 'Your {{association}} membership application was approved',
    text: `Hello {{name}},

Good news: your application was approved.
Your membership starts as soon as your dues are paid. Your invoice is on your account page:

{{link}}
`,
  },
  {
    key: 'membership.approved_paid',
    name: 'Application approved (dues already paid)',
    description: 'Sent when the board approves an application whose dues were already paid: the membership is active at once.',
    fields: { name: commonFields.name, association: commonFields.association, link: commonFields.link },
    subject: 'Your {{association}} membership application was approved',
    text: `Hello {{name}},

Good news: your application was approved.
Your dues are paid, so your membership is active now.

{{link}}
`,
  },
  {
    key: 'membership.rejected',
    name: 'Application not approved',
    description: 'Sent when the board does not approve an application, with the reason the admin typed.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      reason: field('the reason the admin gave', 'We could not confirm your enrollment.', { multiline: true }),
      contact: commonFields.contact,
    },
    subject: 'Your {{association}} membership application',
    text: `Hello {{name}},

We are sorry: your membership application was not approved.

{{reason}}

Questions? Write to {{contact}}.
`,
  },
  {
    key: 'membership.activated',
    name: 'Membership active (welcome)',
    description: 'Sent when a new membership starts: the dues are paid (the payment receipt), or the level has none.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the last day of the membership period', 'July 1, 2027'),
      link: commonFields.link,
    },
    subject: 'Welcome to {{association}}: your membership is active',
    text: `Hello {{name}},

Welcome! Your {{level}} membership is active until {{date}}.
Log in to see the members' pages and your account:

{{link}}
`,
  },
  {
    key: 'membership.renewed',
    name: 'Membership renewed',
    description: 'Sent when a membership is renewed: the renewal dues are paid (the payment receipt).',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the last day of the new membership period', 'July 1, 2028'),
      link: commonFields.link,
    },
    subject: 'Your {{association}} membership is renewed',
    text: `Hello {{name}},

Thank you for renewing. Your {{level}} membership is active until {{date}}.
Log in to see the members' pages and your account:

{{link}}
`,
  },
  {
    key: 'membership.bundle_added_setup',
    name: 'Added to an agency membership (new account)',
    description: "Sent when an agency's contact adds someone who has no password yet to the agency membership, with the link to set up their account.",
    fields: {
      name: field("the name the agency's contact typed for them (best left out of the greeting; empty when it holds a web address)", 'Pat Inspector'),
      association: commonFields.association,
      added_by: bundle.added_by,
      organization: bundle.organization,
      link: field('the link to choose a password (it works once)', 'https://example.org/setup/abc123', { required: true }),
      valid_for: field('how long the link works', '7 days'),
    },
    subject: 'You are now a member of {{association}}',
    text: `Hello,

{{added_by}} has added you to the {{association}} membership of {{organization}}. You can now read the members-only pages of the website.

To set up your account, open this link within {{valid_for}} and choose your password:

{{link}}

The link works once. After that, log in with this e-mail address and your password.
`,
  },
  {
    key: 'membership.bundle_added',
    name: 'Added to an agency membership (existing account)',
    description: "Sent when an agency's contact adds someone who already has an account to the agency membership (their password and links stay as they are).",
    fields: {
      name: bundle.name,
      association: commonFields.association,
      added_by: bundle.added_by,
      organization: bundle.organization,
      link: field('the link to the log-in page', 'https://example.org/login'),
      reset_link: field('the link to the "Forgot your password?" page, for someone who has no password yet or forgot it', 'https://example.org/forgot-password'),
    },
    subject: 'You are now a member of {{association}}',
    text: `Hello {{name}},

{{added_by}} has added you to the {{association}} membership of {{organization}}. You can now read the members-only pages of the website.

Log in with this e-mail address and your usual password:

{{link}}

No password yet, or forgotten it? Choose one here:

{{reset_link}}
`,
  },
  {
    key: 'membership.invoice',
    name: 'Invoice',
    description: 'Sent when a member asks for their open dues invoice by e-mail ("Invoice me"), and when someone logged in applies with their account and is invoiced.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      invoice_number: commonFields.invoice_number,
      amount: commonFields.amount,
      date: field('the date the invoice is due', 'August 1, 2026'),
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: '{{association}} invoice {{invoice_number}}',
    text: `Hello {{name}},

Here is invoice {{invoice_number}} for {{amount}}, due {{date}}.
Download it (PDF) from your account page:

{{link}}

To pay by check or bank transfer, follow the instructions on the invoice.
Questions? Write to {{contact}}.
`,
  },
  {
    key: 'membership.reminder_before',
    name: 'Renewal reminder (before the renewal date)',
    description: 'Sent on the reminder days before the renewal date (see Renewals), with the renewal invoice.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the renewal date', 'March 2, 2027'),
      amount: commonFields.amount,
      invoice_number: commonFields.invoice_number,
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Your {{association}} membership renews on {{date}}',
    text: `Hello {{name}},

Your {{level}} membership of {{association}} renews on {{date}}. The dues are {{amount}} (invoice {{invoice_number}}).

${howToPay}`,
  },
  {
    key: 'membership.reminder_today',
    name: 'Renewal reminder (on the renewal date)',
    description: 'Sent on the renewal date when it is one of the reminder days.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the renewal date', 'March 2, 2027'),
      access_until: field("the last day of members-only access if the dues stay unpaid (the end of the level's grace period)", 'April 1, 2027'),
      amount: commonFields.amount,
      invoice_number: commonFields.invoice_number,
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Your {{association}} membership renews today',
    text: `Hello {{name}},

Your {{level}} membership of {{association}} renews today, {{date}}. The dues are {{amount}} (invoice {{invoice_number}}).
Your members-only access continues until {{access_until}}; please pay before then.

${howToPay}`,
  },
  {
    key: 'membership.reminder_overdue',
    name: 'Renewal reminder (overdue)',
    description: 'Sent on the reminder days after the renewal date while the dues are unpaid.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the renewal date', 'March 2, 2027'),
      access_until: field("the last day of members-only access (the end of the level's grace period)", 'April 1, 2027'),
      amount: commonFields.amount,
      invoice_number: commonFields.invoice_number,
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Reminder: your {{association}} membership renewal is overdue',
    text: `Hello {{name}},

Your {{level}} membership of {{association}} was due for renewal on {{date}}, and we have not received your dues yet. The dues are {{amount}} (invoice {{invoice_number}}).
Your members-only access continues until {{access_until}}. After that your membership lapses; you can still renew at any time.

${howToPay}`,
  },
  {
    key: 'membership.lapsed',
    name: 'Membership lapsed',
    description: 'Sent when the grace period ends without the renewal dues paid: the members-only pages close to the member.',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      date: field('the day the membership lapsed', 'April 1, 2027'),
      amount: field('the amount of the open renewal invoice (the line is left out when there is none)', '$50.00'),
      invoice_number: field('the number of the open renewal invoice (the line is left out when there is none)', '1042'),
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Your {{association}} membership has lapsed',
    text: `Hello {{name}},

We did not receive your renewal dues, so your {{level}} membership of {{association}} lapsed on {{date}} and the members-only pages are closed to you.
Your account and your history with us are kept. You can renew at any time from your account page.
Your invoice {{invoice_number}} for {{amount}} is on your account page.

${howToPay}`,
  },
  {
    key: 'membership.auto_renewal_notice',
    name: 'Automatic renewal notice',
    description: 'Sent 7 days before the card of a member with automatic renewal is charged (only when card payments are set up).',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      level: commonFields.level,
      amount: field('the amount that will be charged', '$50.00'),
      card: field('the saved card', 'Visa ending 4242'),
      date: field('the day the card will be charged', 'July 2, 2027'),
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Your {{association}} membership renews automatically on {{date}}',
    text: `Hello {{name}},

Your {{level}} membership of {{association}} renews automatically.
On {{date}} we will charge {{amount}} to your {{card}} for another year.

There is nothing you need to do. To stop the charge, turn automatic renewal off on your account
page before {{date}}:

{{link}}

Questions? Write to {{contact}}.
`,
  },
  {
    key: 'membership.auto_renewal_failed',
    name: 'Automatic renewal failed',
    description: 'Sent when the automatic renewal charge does not go through; automatic renewal is turned off (only when card payments are set up).',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      amount: field('the amount that could not be charged', '$50.00'),
      card: field('the saved card', 'Visa ending 4242'),
      reason: field('why the charge did not go through', 'Your card was declined.'),
      invoice_number: field('the number of the renewal invoice (the line is left out when there is none)', '1042'),
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'We could not renew your {{association}} membership automatically',
    text: `Hello {{name}},

We tried to charge {{amount}} to your {{card}} for your membership renewal, but it did not go through:
{{reason}}

Your card was not charged, and we have turned automatic renewal off so that we do not try it again.
Please renew from your account page: pay online with another card, or download
the invoice to pay by check or bank transfer. You can turn automatic renewal on again there too.
You will find it there as invoice {{invoice_number}}.

{{link}}

Questions? Write to {{contact}}.
`,
  },
]);

declare module '#core/mail/templates.js' {
  interface MailTemplates extends TemplateFields<typeof MEMBERSHIP_TEMPLATES> {}
}
