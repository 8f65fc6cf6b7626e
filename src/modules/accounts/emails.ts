import type { Executor } from '#core/db/index.js';
import type { OutgoingMail } from '#core/mail/index.js';
import { renderTemplate } from '#core/mail/templates.js';

/**
 * The account e-mails. Their wording is a template admins can edit (modules/mail/templates.ts,
 * keys `accounts.…`); these functions only supply the merge fields. Pass the transaction the
 * e-mail is queued in.
 */

/** "1 hour", "7 days": how long a link works, in words. */
const duration = (count: number, unit: 'hour' | 'day') => `${count} ${unit}${count === 1 ? '' : 's'}`;

export const passwordResetMail = async (executor: Executor, o: { to: string; name: string; link: string; site: string; hours: number }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.password_reset', { name: o.name, association: o.site, link: o.link, valid_for: duration(o.hours, 'hour') })),
});

export const adminInviteMail = async (executor: Executor, o: { to: string; name: string; link: string; site: string; inviter: string; days: number }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.admin_invite', { name: o.name, association: o.site, inviter: o.inviter, link: o.link, valid_for: duration(o.days, 'day') })),
});

export const promotedMail = async (executor: Executor, o: { to: string; name: string; site: string; inviter: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.admin_promoted', { name: o.name, association: o.site, inviter: o.inviter, link: o.link })),
});

export const passwordChangedMail = async (executor: Executor, o: { to: string; name: string; site: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.password_changed', { name: o.name, association: o.site, link: o.link })),
});

export const twoFactorOnMail = async (executor: Executor, o: { to: string; name: string; site: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.two_factor_on', { name: o.name, association: o.site, link: o.link })),
});

export const twoFactorOffMail = async (executor: Executor, o: { to: string; name: string; site: string; link: string }): Promise<OutgoingMail> => ({
  to: o.to,
  ...(await renderTemplate(executor, 'accounts.two_factor_off', { name: o.name, association: o.site, link: o.link })),
});
