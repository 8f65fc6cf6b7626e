import type { OutgoingMail } from '#core/mail/index.js';
import type { Executor } from '#core/db/index.js';
import { renderTemplate } from '#core/mail/templates.js';

/**
 * The automatic renewal e-mails. Their wording is a template admins can edit
 * (modules/mail/templates.ts); pass the transaction the e-mail is queued in.
 */

export const chargeNoticeMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; level: string; amount: string; card: string; date: string; link: string; contact: string },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.auto_renewal_notice', {
    name: o.name,
    association: o.site,
    level: o.level,
    amount: o.amount,
    card: o.card,
    date: o.date,
    link: o.link,
    contact: o.contact,
  })),
});

export const chargeFailedMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; amount: string; card: string; reason: string; invoiceNumber: number | null; link: string; contact: string },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.auto_renewal_failed', {
    name: o.name,
    association: o.site,
    amount: o.amount,
    card: o.card,
    reason: o.reason,
    invoice_number: o.invoiceNumber === null ? '' : String(o.invoiceNumber),
    link: o.link,
    contact: o.contact,
  })),
});
