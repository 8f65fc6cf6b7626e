import { defineModule } from '#core/module.js';
import { BILLING_TEMPLATES } from './templates.js';
import { billingRoutes } from './routes.js';
import { stripeRoutes } from './stripe-routes.js';
import { BillingService } from './service.js';
import { StripePayments } from './stripe.js';
export type { InvoiceStatus } from './tables.js';

export type { BillingService, InvoiceDetail, InvoiceRow } from './service.js';
export { INVOICE_STATUSES } from './labels.js';
export type { StripePayments } from './stripe.js';
export type { CardSaved, InvoicePaid } from './events.js';

/** Invoices and payments, and card payments through Stripe when it is set up (null otherwise). */
export type BillingApi = BillingService & { readonly stripe: StripePayments | null };

declare module '#core/module.js' {
  interface ModuleApis {
    billing: BillingApi;
  }
}

/** Invoices, payments, refunds, receipts and card payments (see CONTEXT.md). Knows nothing of what an invoice is for. */
export const billingModule = defineModule({
  name: 'billing',
  needs: [],
  tables: ['invoices', 'invoice_lines', 'payments', 'invoice_events', 'counters', 'stripe_customers'],
  create(core) {
    const billing = new BillingService(core.db, core.clock, core.state, core.events);
    const { stripe: keys, baseUrl } = core.config;
    const stripe = keys ? new StripePayments(core.db, core.clock, core.state, billing, core.mailer, core.events, { ...keys, baseUrl }) : null;
    return Object.assign(billing, { stripe });
  },
  async routes(app, { api: billing, core }) {
    billing.stripe?.setLogger(app.log);
    await billingRoutes(app, { billing, state: core.state });
    await stripeRoutes(app, { stripe: billing.stripe });
  },
  templates: BILLING_TEMPLATES,
  adminMenu: [{ href: '/admin/invoices', title: 'Invoices', order: 50 }],
});
