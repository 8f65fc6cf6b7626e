import type { FastifyInstance } from 'fastify';
import { userOf } from '#core/auth/guards.js';
import type { AutoRenewal } from './auto-renewal.js';

interface Deps {
  /** Null when Stripe is not configured. */
  autoRenewal: AutoRenewal | null;
}

/** Automatic renewal on/off and the card it charges. Without Stripe settings every one of these addresses answers 404. */
export async function autoRenewalRoutes(app: FastifyInstance, { autoRenewal }: Deps) {
  if (!autoRenewal) return;

  app.post('/account/membership/auto-renew/on', async (request, reply) => {
    const result = await autoRenewal.turnOn(userOf(request));
    if (!result.ok) {
      reply.setFlash('error', result.errors.form ?? 'Automatic renewal could not be turned on.');
      return reply.redirect('/account', 303);
    }
    if (result.value.redirect) return reply.redirect(result.value.redirect, 303);
    reply.setFlash('success', 'Automatic renewal is on. We will e-mail you 7 days before each charge.');
    return reply.redirect('/account', 303);
  });

  app.post('/account/membership/auto-renew/off', async (request, reply) => {
    await autoRenewal.turnOff(userOf(request).id);
    reply.setFlash('success', 'Automatic renewal is off: your card will not be charged. Your membership stays active until its renewal date.');
    return reply.redirect('/account', 303);
  });

  app.post('/account/membership/card', async (request, reply) => {
    const result = await autoRenewal.changeCard(userOf(request));
    if (!result.ok) {
      reply.setFlash('error', result.errors.form ?? 'The card could not be changed.');
      return reply.redirect('/account', 303);
    }
    return reply.redirect(result.value.url, 303);
  });
}
