import type { InvoiceStatus } from './tables.js';
import type { Executor } from '#core/db/index.js';
import type { OutgoingMail } from '#core/mail/index.js';
import { renderTemplate } from '#core/mail/templates.js';

/**
 * The billing e-mails. Their wording is a template admins can edit (modules/mail/templates.ts);
 * these functions only supply the merge fields. Pass the transaction the e-mail is queued in.
 */

const SITUATION: Partial<Record<InvoiceStatus, string>> = { paid: 'was already paid', void: 'is void', refunded: 'had been refunded' };

/** A card payment the invoice could not take was refunded automatically. */
export const cardPaymentRefundedMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; amount: string; number: number; status: InvoiceStatus; link: string; contact: string },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'billing.card_payment_refunded', {
    name: o.name,
    association: o.site,
    amount: o.amount,
    invoice_number: String(o.number),
    situation: SITUATION[o.status] ?? 'no longer needed a payment',
    link: o.link,
    contact: o.contact,
  })),
});
