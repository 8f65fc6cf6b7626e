import type { OutgoingMail } from '../../core/mail/index.js';

/** The text of the renewal e-mails: what is owed, by when, and where to renew. */

interface ReminderFacts {
  to: string;
  name: string;
  site: string;
  level: string;
  /** Days from the renewal date: negative before it, 0 on the day, positive after. */
  offsetDays: number;
  renewalDate: string;
  /** The last day of members-only access if the dues stay unpaid. */
  accessUntil: string;
  amount: string;
  invoiceNumber: number;
  link: string;
  contact: string;
}

const howToPay = (link: string, contact: string) => `Renew from your account page:

${link}

To pay by check or bank transfer, download the invoice there (PDF) and follow its instructions${contact ? `, or write to ${contact}` : ''}.
`;

export function reminderMail(o: ReminderFacts): OutgoingMail {
  const dues = `The dues are ${o.amount} (invoice ${o.invoiceNumber}).`;
  if (o.offsetDays < 0) {
    return {
      to: o.to,
      subject: `Your ${o.site} membership renews on ${o.renewalDate}`,
      text: `Hello ${o.name},

Your ${o.level} membership of ${o.site} renews on ${o.renewalDate}. ${dues}

${howToPay(o.link, o.contact)}`,
    };
  }
  if (o.offsetDays === 0) {
    return {
      to: o.to,
      subject: `Your ${o.site} membership renews today`,
      text: `Hello ${o.name},

Your ${o.level} membership of ${o.site} renews today, ${o.renewalDate}. ${dues}
Your members-only access continues until ${o.accessUntil}; please pay before then.

${howToPay(o.link, o.contact)}`,
    };
  }
  return {
    to: o.to,
    subject: `Reminder: your ${o.site} membership renewal is overdue`,
    text: `Hello ${o.name},

Your ${o.level} membership of ${o.site} was due for renewal on ${o.renewalDate}, and we have not received your dues yet. ${dues}
Your members-only access continues until ${o.accessUntil}. After that your membership lapses; you can still renew at any time.

${howToPay(o.link, o.contact)}`,
  };
}

export const lapsedMail = (o: { to: string; name: string; site: string; level: string; since: string; open: { amount: string; invoiceNumber: number } | null; link: string; contact: string }): OutgoingMail => ({
  to: o.to,
  subject: `Your ${o.site} membership has lapsed`,
  text: `Hello ${o.name},

We did not receive your renewal dues, so your ${o.level} membership of ${o.site} lapsed on ${o.since} and the members-only pages are closed to you.
Your account and your history with us are kept. You can renew at any time${o.open ? `: invoice ${o.open.invoiceNumber} for ${o.open.amount} is on your account page` : ' from your account page'}.

${howToPay(o.link, o.contact)}`,
});
