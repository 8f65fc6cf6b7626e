import { type TemplateFields, commonFields, defineTemplates, field } from '#core/mail/templates.js';

/** The billing e-mails admins can reword (Admin → E-mail templates); emails.ts supplies their merge fields. */

export const BILLING_TEMPLATES = defineTemplates([
  {
    key: 'billing.card_payment_refunded',
    name: 'Card payment refunded (not needed)',
    description:
      'Sent when a card payment arrives for an invoice that no longer takes one (already paid, for example by a second Checkout or by check, or void) and the site has refunded it automatically (only when card payments are set up).',
    fields: {
      name: commonFields.name,
      association: commonFields.association,
      amount: field('the amount of the card payment that was refunded', '$50.00'),
      invoice_number: commonFields.invoice_number,
      situation: field('why the payment was not needed: "was already paid", "is void" or "had been refunded"', 'was already paid'),
      link: commonFields.link,
      contact: commonFields.contact,
    },
    subject: 'Your card payment of {{amount}} to {{association}} was refunded',
    text: `Hello {{name}},

We received a card payment of {{amount}} for invoice {{invoice_number}}, which {{situation}}.
So that you do not pay twice, we have refunded that payment to your card in full. Depending on
your bank, it may take 5 to 10 business days to show on your statement.

There is nothing you need to do. Your invoices are on your account page:

{{link}}

Questions? Write to {{contact}}.
`,
  },
]);

declare module '#core/mail/templates.js' {
  interface MailTemplates extends TemplateFields<typeof BILLING_TEMPLATES> {}
}
