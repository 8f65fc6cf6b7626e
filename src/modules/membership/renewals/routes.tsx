import type { FastifyInstance } from 'fastify';
import { actorOf } from '#core/audit/index.js';
import { userOf } from '#core/auth/guards.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { formatMoney } from '#core/money.js';
import { formatReminderDays, reminderDaysInput, type RenewalService } from './service.js';
import { RenewalSettingsForm } from './views.js';

interface Deps {
  renewals: RenewalService;
}

export async function renewalRoutes(app: FastifyInstance, { renewals }: Deps) {
  app.post('/account/membership/renew', async (request, reply) => {
    const result = await renewals.renewNow(userOf(request).id);
    if (result.ok) {
      const { number, amountCents } = result.value;
      reply.setFlash('success', `Your renewal invoice ${number} for ${formatMoney(amountCents)} is below. Download it (PDF) to pay by check or bank transfer.`);
    } else {
      reply.setFlash('error', result.errors.form ?? 'Your membership cannot be renewed now.');
    }
    return reply.redirect('/account', 303);
  });

  app.get('/admin/renewals', async (_request, reply) => {
    const current = await renewals.reminderDays();
    return reply.page({ title: 'Renewals', admin: true, body: <RenewalSettingsForm csrf={reply.csrfToken()} current={current} value={formatReminderDays(current)} /> });
  });

  app.post('/admin/renewals', async (request, reply) => {
    const form = parseForm(reminderDaysInput, request.body);
    if (!form.ok) {
      return reply.page({
        status: 422,
        title: 'Renewals',
        admin: true,
        body: <RenewalSettingsForm csrf={reply.csrfToken()} current={await renewals.reminderDays()} value={formValues(request.body).reminder_days ?? ''} errors={form.errors} />,
      });
    }
    await renewals.saveReminderDays(form.data.reminder_days, actorOf(request));
    reply.setFlash('success', 'The reminder days were saved.');
    return reply.redirect('/admin/renewals', 303);
  });
}
