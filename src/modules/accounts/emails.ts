import type { OutgoingMail } from '../../core/mail/index.js';

/** The text of the account e-mails. Short, plain, and saying what to do and by when. */

export const passwordResetMail = (o: { to: string; name: string; link: string; site: string; hours: number }): OutgoingMail => ({
  to: o.to,
  subject: `Reset your ${o.site} password`,
  text: `Hello ${o.name},

Someone (we hope you) asked to reset the password of your ${o.site} account.
To choose a new password, open this link within ${o.hours} hour${o.hours === 1 ? '' : 's'}:

${o.link}

The link works once. If you did not ask for this, ignore this e-mail: your password stays as it is.
`,
});

export const adminInviteMail = (o: { to: string; name: string; link: string; site: string; inviter: string; days: number }): OutgoingMail => ({
  to: o.to,
  subject: `You are invited to administer the ${o.site} website`,
  text: `Hello ${o.name},

${o.inviter} has invited you to help run the ${o.site} website as an administrator.
To accept, open this link within ${o.days} days and choose your password:

${o.link}

If you were not expecting this, you can ignore this e-mail.
`,
});

export const promotedMail = (o: { to: string; name: string; site: string; inviter: string; link: string }): OutgoingMail => ({
  to: o.to,
  subject: `You are now an administrator of the ${o.site} website`,
  text: `Hello ${o.name},

${o.inviter} has made you an administrator of the ${o.site} website.
Log in as usual and open the admin area:

${o.link}
`,
});

export const passwordChangedMail = (o: { to: string; name: string; site: string; link: string }): OutgoingMail => ({
  to: o.to,
  subject: `Your ${o.site} password was changed`,
  text: `Hello ${o.name},

The password of your ${o.site} account was just changed, and you were logged out on your other devices.
If this was not you, reset your password now:

${o.link}
`,
});
