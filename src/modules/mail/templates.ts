import type { Executor } from '../../core/db/index.js';
import { findOverride } from './template-queries.js';

/**
 * The automated e-mails, as templates admins can reword. Each names the merge fields it offers;
 * `{{field}}` in the subject or text is replaced by the field's value (plain text: these are text
 * e-mails). A placeholder that is not a field of the template stays visible as typed, and a line
 * whose merge fields all came out empty is left out, so "Questions? Write to {{contact}}." vanishes
 * when the association has no contact address.
 */

export interface MergeField {
  description: string;
  sample: string;
  /** The e-mail is useless without it (the link that resets a password): an edit must keep it in the text. */
  required?: boolean;
  /** The value may run over several lines (a reason an admin typed); any other value is kept on one line. */
  multiline?: boolean;
}

export interface TemplateDefinition {
  key: string;
  /** What admins see in the list. */
  name: string;
  description: string;
  fields: Record<string, MergeField>;
  subject: string;
  text: string;
}

// The fields most e-mails share, with the words admins read and the values a preview shows.
const common = {
  name: { description: "the member's or applicant's full name", sample: 'Pat Inspector' },
  association: { description: "the association's short name", sample: 'CIPCA' },
  link: { description: 'the link to their account page', sample: 'https://example.org/account' },
  contact: { description: "the association's contact e-mail address (the line is left out when none is set)", sample: 'board@example.org' },
  level: { description: 'the membership level', sample: 'Individual' },
  amount: { description: 'the amount of the invoice', sample: '$50.00' },
  invoice_number: { description: 'the number of the invoice', sample: '1042' },
} satisfies Record<string, MergeField>;

// The fields of the account e-mails, which go to anyone with an account (not only members).
const person = {
  name: { description: "the person's full name", sample: 'Pat Inspector' },
  inviter: { description: 'the name of the administrator who invited them', sample: 'Board Admin' },
} satisfies Record<string, MergeField>;

// The fields of the agency-bundle e-mails.
const bundle = {
  added_by: { description: "who added them: the agency's contact, or the administrator who did it for the agency (\"Your agency's contact\" when the name holds a web address)", sample: 'Casey Contact' },
  organization: { description: 'the name of the agency ("their agency" when none is set, or it holds a web address)', sample: 'City of Boulder' },
} satisfies Record<string, MergeField>;

const field = (description: string, sample: string, more: Pick<MergeField, 'required' | 'multiline'> = {}): MergeField => ({ description, sample, ...more });

const howToPay = `Renew from your account page:

{{link}}

To pay by check or bank transfer, download the invoice there (PDF) and follow its instructions.
Questions? Write to {{contact}}.
`;

export const TEMPLATES: readonly TemplateDefinition[] = [
  {
    key: 'accounts.password_reset',
    name: 'Password reset link',
    description: 'Sent when someone asks to reset a forgotten password from the log-in page, with the link that lets them choose a new one.',
    fields: {
      name: person.name,
      association: common.association,
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
      association: common.association,
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
      association: common.association,
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
      association: common.association,
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
      association: common.association,
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
      association: common.association,
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
  {
    key: 'membership.application_received',
    name: 'Application received (confirm e-mail address)',
    description: 'Sent when someone applies for membership, with the link that confirms their e-mail address.',
    fields: {
      name: field(
        'the name typed on the application (whoever typed it, not yet known to own this address: best left out of the greeting; empty when it holds a web address)',
        'Pat Inspector',
      ),
      association: common.association,
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
      association: common.association,
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
    fields: { name: common.name, association: common.association, link: common.link },
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
    fields: { name: common.name, association: common.association, link: common.link },
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
    fields: { name: common.name, association: common.association, reason: field('the reason the admin gave', 'We could not confirm your enrollment.', { multiline: true }), contact: common.contact },
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
    fields: { name: common.name, association: common.association, level: common.level, date: field('the last day of the membership period', 'July 1, 2027'), link: common.link },
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
    fields: { name: common.name, association: common.association, level: common.level, date: field('the last day of the new membership period', 'July 1, 2028'), link: common.link },
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
      association: common.association,
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
      name: person.name,
      association: common.association,
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
      name: common.name,
      association: common.association,
      invoice_number: common.invoice_number,
      amount: common.amount,
      date: field('the date the invoice is due', 'August 1, 2026'),
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      level: common.level,
      date: field('the renewal date', 'March 2, 2027'),
      amount: common.amount,
      invoice_number: common.invoice_number,
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      level: common.level,
      date: field('the renewal date', 'March 2, 2027'),
      access_until: field("the last day of members-only access if the dues stay unpaid (the end of the level's grace period)", 'April 1, 2027'),
      amount: common.amount,
      invoice_number: common.invoice_number,
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      level: common.level,
      date: field('the renewal date', 'March 2, 2027'),
      access_until: field("the last day of members-only access (the end of the level's grace period)", 'April 1, 2027'),
      amount: common.amount,
      invoice_number: common.invoice_number,
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      level: common.level,
      date: field('the day the membership lapsed', 'April 1, 2027'),
      amount: field('the amount of the open renewal invoice (the line is left out when there is none)', '$50.00'),
      invoice_number: field('the number of the open renewal invoice (the line is left out when there is none)', '1042'),
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      level: common.level,
      amount: field('the amount that will be charged', '$50.00'),
      card: field('the saved card', 'Visa ending 4242'),
      date: field('the day the card will be charged', 'July 2, 2027'),
      link: common.link,
      contact: common.contact,
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
      name: common.name,
      association: common.association,
      amount: field('the amount that could not be charged', '$50.00'),
      card: field('the saved card', 'Visa ending 4242'),
      reason: field('why the charge did not go through', 'Your card was declined.'),
      invoice_number: field('the number of the renewal invoice (the line is left out when there is none)', '1042'),
      link: common.link,
      contact: common.contact,
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
  {
    key: 'billing.card_payment_refunded',
    name: 'Card payment refunded (not needed)',
    description:
      'Sent when a card payment arrives for an invoice that no longer takes one (already paid, for example by a second Checkout or by check, or void) and the site has refunded it automatically (only when card payments are set up).',
    fields: {
      name: common.name,
      association: common.association,
      amount: field('the amount of the card payment that was refunded', '$50.00'),
      invoice_number: common.invoice_number,
      situation: field('why the payment was not needed: "was already paid", "is void" or "had been refunded"', 'was already paid'),
      link: common.link,
      contact: common.contact,
    },
    subject: 'Your card payment of {{amount}} to {{association}} was refunded',
    text: `Hello {{name}},

We received a card payment of {{amount}} for invoice {{invoice_number}}, which {{situation}}.
So that you do not pay twice, we have refunded that payment to your card in full. Depending on
your bank, it may take 5 to 10 business days to show on your statement.

There is nothing you need to do. Your invoices are on your account page:

{{link}}

Questions? Write to {{contact}}.
`,
  },
];

export type TemplateKey = string;

const byKey = new Map(TEMPLATES.map((t) => [t.key, t]));

export function templateDefinition(key: string): TemplateDefinition | undefined {
  return byKey.get(key);
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders in `text` that are not merge fields of the template, as typed ("{{nmae}}"). */
export function unknownPlaceholders(text: string, fields: readonly string[]): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!fields.includes(match[1]!) && !unknown.includes(match[0])) unknown.push(match[0]);
  }
  return unknown;
}

/** The merge fields a text uses, by name ("{{ link }}" counts as {{link}}). */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The required merge fields of a template that `text` leaves out. */
export function missingRequired(text: string, definition: TemplateDefinition): string[] {
  const used = placeholdersIn(text);
  return Object.entries(definition.fields)
    .filter(([name, f]) => f.required && !used.includes(name))
    .map(([name]) => name);
}

/** Replace known `{{field}}`s with their values in one pass (a value is never read as a template). */
export function substitute(template: string, values: Record<string, string>): string {
  const out: string[] = [];
  for (const line of template.split('\n')) {
    let known = 0;
    let filled = 0;
    const replaced = line.replace(PLACEHOLDER, (whole, name: string) => {
      if (!Object.hasOwn(values, name)) return whole;
      known++;
      const value = values[name]!;
      if (value !== '') filled++;
      return value;
    });
    if (known > 0 && filled === 0) continue;
    out.push(replaced);
  }
  return out.join('\n');
}

export interface RenderedTemplate {
  subject: string;
  text: string;
}

/** The template's subject and text: an admin's override, or the default. */
export async function templateSource(executor: Executor, key: string): Promise<RenderedTemplate & { edited: boolean }> {
  const definition = byKey.get(key);
  if (!definition) throw new Error(`Unknown e-mail template ${key}`);
  const override = await findOverride(executor, key);
  return override ? { subject: override.subject, text: override.text_body, edited: true } : { subject: definition.subject, text: definition.text, edited: false };
}

/**
 * Fill a template for sending; `executor` is the caller's transaction when there is one. Values
 * are kept on one line unless their field is `multiline`: a name typed with line breaks cannot
 * add lines of its own (a fake link, a fake signature) to someone else's e-mail.
 */
export async function renderTemplate(executor: Executor, key: string, fields: Record<string, string>): Promise<RenderedTemplate> {
  const source = await templateSource(executor, key);
  const definition = byKey.get(key)!;
  return fillTemplate(source, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, definition.fields[k]?.multiline ? v : oneLine(v)])));
}

/** Line breaks of every kind (and the spaces around them) become one space. */
const oneLine = (value: string) => value.replace(/\s*[\r\n\v\f\u0085\u2028\u2029]+\s*/g, ' ');

export function fillTemplate(source: RenderedTemplate, fields: Record<string, string>): RenderedTemplate {
  // A subject is one line: a value with line breaks (a reason typed by an admin) must not break it.
  const flat = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, oneLine(v)]));
  return { subject: substitute(source.subject, flat).trim(), text: substitute(source.text.replace(/\r\n?/g, '\n'), fields) };
}

/** The values a preview shows. */
export function sampleValues(definition: TemplateDefinition): Record<string, string> {
  return Object.fromEntries(Object.entries(definition.fields).map(([k, f]) => [k, f.sample]));
}
