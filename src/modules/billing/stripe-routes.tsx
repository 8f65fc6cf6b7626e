import type { FastifyInstance } from 'fastify';
import { userOf } from '#core/auth/guards.js';
import { findById } from '#core/http/params.js';
import type { StripePayments } from './stripe.js';

interface Deps {
  /** Null when Stripe is not configured. */
  stripe: StripePayments | null;
}

/**
 * Card payments: "Pay online" for an invoice, and Stripe's webhook. Without Stripe settings every
 * one of these addresses answers 404. (Automatic renewal's own routes are membership's.)
 */
export async function stripeRoutes(app: FastifyInstance, { stripe }: Deps) {
  if (!stripe) {
    // Declared, so that a delivery (which carries no CSRF token) meets "not found", not "form expired".
    app.post('/stripe/webhook', { config: { csrf: false } }, async (_request, reply) => reply.code(404).send({ error: 'Card payments are not set up on this site.' }));
    return;
  }

  app.post<{ Params: { id: string } }>('/account/invoices/:id/pay', async (request, reply) => {
    const result = await findById(request.params.id, (id) => stripe.payInvoice(userOf(request).id, id));
    if (!result) return reply.callNotFound();
    if (!result.ok) {
      reply.setFlash('error', result.errors.form ?? 'The payment could not be started.');
      return reply.redirect('/account', 303);
    }
    return reply.redirect(result.value.url, 303);
  });

  // Stripe signs the exact bytes it sends, so this one route keeps the JSON body raw.
  await app.register(async (hook) => {
    hook.removeContentTypeParser('application/json');
    hook.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    hook.post('/stripe/webhook', { config: { csrf: false } }, async (request, reply) => {
      const signature = request.headers['stripe-signature'];
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await stripe.handleWebhook(body, typeof signature === 'string' ? signature : undefined);
      if (!result.ok) {
        // Any answer but 2xx makes Stripe send the event again later (for up to three days).
        if (result.error === 'try again') return reply.code(503).send({ error: 'Stripe could not be reached to act on this event; send it again later.' });
        return reply.code(400).send({ error: 'The Stripe signature is missing, wrong or too old.' });
      }
      if (result.outcome === 'refused') request.log.warn({ detail: result.detail }, 'Stripe payment not recorded');
      return reply.send({ received: true, outcome: result.outcome });
    });
  });
}
