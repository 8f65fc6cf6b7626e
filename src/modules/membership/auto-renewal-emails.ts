import type { OutgoingMail } from '../../core/mail/index.js';

/** The text of the automatic renewal e-mails. */

export const chargeNoticeMail = (o: { to: string; name: string; site: string; level: string; amount: string; card: string; date: string; link: string; contact: string }): OutgoingMail => ({
  to: o.to,
  subject: `Your ${o.site} membership renews automatically on ${o.date}`,
  text: `Hello ${o.name},

Your ${o.level} membership of ${o.site} renews automatically.
On ${o.date} we will charge ${o.amount} to your ${o.card} for another year.

There is nothing you need to do. To stop the charge, turn automatic renewal off on your account
page before ${o.date}:

${o.link}
${o.contact ? `\nQuestions? Write to ${o.contact}.\n` : ''}`,
});

export const chargeFailedMail = (o: { to: string; name: string; site: string; amount: string; card: string; reason: string; invoiceNumber: number | null; link: string; contact: string }): OutgoingMail => ({
  to: o.to,
  subject: `We could not renew your ${o.site} membership automatically`,
  text: `Hello ${o.name},

We tried to charge ${o.amount} to your ${o.card} for your membership renewal, but it did not go through:
${o.reason}

Your card was not charged, and we have turned automatic renewal off so that we do not try it again.
Please renew from your account page${o.invoiceNumber ? ` (invoice ${o.invoiceNumber})` : ''}: pay online with another card, or download
the invoice to pay by check or bank transfer. You can turn automatic renewal on again there too.

${o.link}
${o.contact ? `\nQuestions? Write to ${o.contact}.\n` : ''}`,
});
