import type { OutgoingMail } from '#core/mail/index.js';
import type { Executor } from '#core/db/index.js';
import { renderTemplate } from '#core/mail/templates.js';
import { containsWebAddress } from './names.js';

/**
 * The membership e-mails. Their wording is a template admins can edit (modules/mail/templates.ts);
 * these functions only supply the merge fields. Pass the transaction the e-mail is queued in.
 */

/** The longest name put into an e-mail for someone else to read. */
const NAME_LIMIT = 60;

/**
 * A name someone other than the recipient typed (an applicant whose address is not confirmed, an
 * agency's contact), made fit for another person's e-mail: cut short, and left out (`fallback`)
 * when it holds a web or e-mail address, whichever way it reached the database (decision 0025).
 */
export function strangersName(value: string, fallback: string): string {
  const name = value.trim();
  if (name === '' || containsWebAddress(name)) return fallback;
  return name.length > NAME_LIMIT ? `${name.slice(0, NAME_LIMIT - 1).trimEnd()}…` : name;
}

/**
 * To an address someone applied with: the link that confirms it. Whoever applied typed the name,
 * and the address is not proven theirs yet, so the default text greets no one by name.
 */
export const applicationReceivedMail = async (executor: Executor, o: { to: string; name: string; site: string; level: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.application_received', { name: strangersName(o.name, ''), association: o.site, level: o.level, link: o.link })),
});

/** To the owner of an address someone tried to apply with: it has an account already; how to log in. */
export const joinAttemptMail = async (executor: Executor, o: { to: string; site: string; link: string; resetLink: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'membership.join_attempt', { association: o.site, link: o.link, reset_link: o.resetLink })),
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
  ...(await renderTemplate(executor, o.renewed ? 'membership.renewed' : 'membership.activated', {
    name: o.name,
    association: o.site,
    level: o.level,
    date: o.until,
    link: o.link,
  })),
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
 * To a person an agency's contact added to the agency membership: a new account gets a set-up
 * link (`setup`); an existing one the log-in page and the "Forgot your password?" page, and none
 * of its own links change. The contact typed the new person's name and their own and the
 * agency's, so those go in as `strangersName`s.
 */
export const addedToBundleMail = async (
  executor: Executor,
  o: { to: string; name: string; site: string; contact: string; organization: string; link: string; resetLink: string; setup: { days: number } | null },
): Promise<OutgoingMail> => {
  const fields = {
    name: strangersName(o.name, ''),
    association: o.site,
    added_by: strangersName(o.contact, "Your agency's contact"),
    organization: strangersName(o.organization, 'their agency'),
    link: o.link,
  };
  return {
    to: o.to,
    ...(o.setup
      ? await renderTemplate(executor, 'membership.bundle_added_setup', { ...fields, valid_for: `${o.setup.days} day${o.setup.days === 1 ? '' : 's'}` })
      : await renderTemplate(executor, 'membership.bundle_added', { ...fields, reset_link: o.resetLink })),
  };
};
