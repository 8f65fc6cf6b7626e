import type { OutgoingMail } from '#core/mail/index.js';
import type { Executor } from '#core/db/index.js';
import { renderTemplate } from '#core/mail/templates.js';

/**
 * The renewal e-mails: what is owed, by when, and where to renew. Their wording is a template
 * admins can edit (modules/mail/templates.ts); pass the transaction the e-mail is queued in.
 */

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

export async function reminderMail(executor: Executor, o: ReminderFacts): Promise<OutgoingMail> {
  const key = o.offsetDays < 0 ? 'membership.reminder_before' : o.offsetDays === 0 ? 'membership.reminder_today' : 'membership.reminder_overdue';
  const fields = {
    name: o.name,
    association: o.site,
    level: o.level,
    date: o.renewalDate,
    access_until: o.accessUntil,
    amount: o.amount,
    invoice_number: String(o.invoiceNumber),
    link: o.link,
    contact: o.contact,
  };
  return { to: o.to, ...(await renderTemplate(executor, key, fields)) };
}

export const lapsedMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; level: string; since: string; open: { amount: string; invoiceNumber: number } | null; link: string; contact: string },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.lapsed', {
    name: o.name,
    association: o.site,
    level: o.level,
    date: o.since,
    amount: o.open?.amount ?? '',
    invoice_number: o.open ? String(o.open.invoiceNumber) : '',
    link: o.link,
    contact: o.contact,
  })),
});
