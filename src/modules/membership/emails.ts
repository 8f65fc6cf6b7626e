import type { OutgoingMail } from '../../core/mail/index.js';

/** The text of the membership e-mails. (Admin-editable templates are a later step.) */

export const applicationReceivedMail = (o: { to: string; name: string; site: string; level: string; link: string }): OutgoingMail => ({
  to: o.to,
  subject: `Confirm your e-mail address for your ${o.site} application`,
  text: `Hello ${o.name},

Thank you for applying for ${o.level} membership of ${o.site}.
Please confirm that this is your e-mail address by opening this link within 3 days:

${o.link}

After that you will see your invoice and how to pay it.
If you did not apply, ignore this e-mail and nothing more will happen.
`,
});

export const approvedMail = (o: { to: string; name: string; site: string; paid: boolean; link: string }): OutgoingMail => ({
  to: o.to,
  subject: `Your ${o.site} membership application was approved`,
  text: `Hello ${o.name},

Good news: your application was approved.
${o.paid ? 'Your dues are paid, so your membership is active now.' : 'Your membership starts as soon as your dues are paid. Your invoice is on your account page:'}

${o.link}
`,
});

export const rejectedMail = (o: { to: string; name: string; site: string; reason: string; contact: string }): OutgoingMail => ({
  to: o.to,
  subject: `Your ${o.site} membership application`,
  text: `Hello ${o.name},

We are sorry: your membership application was not approved.

${o.reason}

${o.contact ? `Questions? Write to ${o.contact}.` : ''}
`,
});

export const activatedMail = (o: { to: string; name: string; site: string; level: string; until: string; link: string; renewed: boolean }): OutgoingMail => ({
  to: o.to,
  subject: o.renewed ? `Your ${o.site} membership is renewed` : `Welcome to ${o.site}: your membership is active`,
  text: `Hello ${o.name},

${o.renewed ? 'Thank you for renewing.' : 'Welcome!'} Your ${o.level} membership is active until ${o.until}.
Log in to see the members' pages and your account:

${o.link}
`,
});

export const invoiceMail = (o: { to: string; name: string; site: string; number: number; amount: string; due: string; link: string; contact: string }): OutgoingMail => ({
  to: o.to,
  subject: `${o.site} invoice ${o.number}`,
  text: `Hello ${o.name},

Here is invoice ${o.number} for ${o.amount}, due ${o.due}.
Download it (PDF) from your account page:

${o.link}

To pay by check or bank transfer, follow the instructions on the invoice${o.contact ? ` or write to ${o.contact}` : ''}.
`,
});
