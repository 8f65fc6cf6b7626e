import type { OutgoingMail } from '../../core/mail/index.js';
import type { Executor } from '../../core/jobs/index.js';
import { renderTemplate } from '../mail/templates.js';

/**
 * The membership e-mails. Their wording is a template admins can edit (modules/mail/templates.ts);
 * these functions only supply the merge fields. Pass the transaction the e-mail is queued in.
 */

export const applicationReceivedMail = async (executor: Executor, o: { to: string; name: string; site: string; level: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.application_received', { name: o.name, association: o.site, level: o.level, link: o.link })),
});

export const approvedMail = async (executor: Executor, o: { to: string; name: string; site: string; paid: boolean; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, o.paid ? 'membership.approved_paid' : 'membership.approved', { name: o.name, association: o.site, link: o.link })),
});

export const rejectedMail = async (executor: Executor, o: { to: string; name: string; site: string; reason: string; contact: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.rejected', { name: o.name, association: o.site, reason: o.reason, contact: o.contact })),
});

export const activatedMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; level: string; until: string; link: string; renewed: boolean },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, o.renewed ? 'membership.renewed' : 'membership.activated', { name: o.name, association: o.site, level: o.level, date: o.until, link: o.link })),
});

export const invoiceMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; number: number; amount: string; due: string; link: string; contact: string },
): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.invoice', {
    name: o.name,
    association: o.site,
    invoice_number: String(o.number),
    amount: o.amount,
    date: o.due,
    link: o.link,
    contact: o.contact,
  })),
});

/**
 * To a person an agency's contact added to the agency membership: with a set-up link when they
 * have no password yet (`setup`), otherwise with the log-in page.
 */
export const addedToBundleMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; contact: string; organization: string; link: string; setup: { days: number } | null },
): Promise<OutgoingMail> => {
  const fields = { name: o.name, association: o.site, added_by: o.contact, organization: o.organization || 'their agency', link: o.link };
  return {
    to: o.to,
    ...(o.setup
      ? await renderTemplate(executor, 'membership.bundle_added_setup', { ...fields, valid_for: `${o.setup.days} day${o.setup.days === 1 ? '' : 's'}` })
      : await renderTemplate(executor, 'membership.bundle_added', fields)),
  };
};
