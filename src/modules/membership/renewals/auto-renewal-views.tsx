import { formatMoney } from '#core/money.js';
import { ActionButton } from '#core/views/forms.js';
import { formatDate } from '#core/views/render.js';
import type { AutoRenewalState } from './auto-renewal.js';
import { NOTICE_DAYS } from './auto-renewal.js';

/** The account page's automatic renewal controls (only when card payments are set up). */
export function AutoRenewalSection({ state, timeZone, csrf }: { state: AutoRenewalState; timeZone: string; csrf: string }) {
  if (!state.available && !state.on) return null;
  const date = state.chargeOn ?? state.renewalDate;
  return (
    <section aria-labelledby="auto-renewal-title" class="card">
      <h2 id="auto-renewal-title">Automatic renewal</h2>
      {state.failed ? <p class="flash error">The automatic charge for this renewal did not go through: {state.failed} Please pay the invoice above, online or by check.</p> : null}
      {state.on ? (
        <>
          <p>
            <strong>Automatic renewal is on.</strong>{' '}
            {date && state.card && !state.failed
              ? `On ${formatDate(date, timeZone)} we will charge ${formatMoney(state.amountCents)} to your ${state.card} for another year.`
              : null}{' '}
            We e-mail you {NOTICE_DAYS} days before each charge. You can turn it off at any time.
          </p>
          <ActionButton action="/account/membership/auto-renew/off" csrf={csrf} label="Turn off automatic renewal" />{' '}
          <ActionButton action="/account/membership/card" csrf={csrf} label="Use a different card" />
        </>
      ) : (
        <>
          <p>
            Automatic renewal is off. Turn it on to have your dues charged to your card on your renewal date each year. We e-mail you {NOTICE_DAYS} days before each charge, and you
            can turn it off here at any time.
          </p>
          <p>{state.card ? `We will use your ${state.card}.` : 'You will enter your card on a page of Stripe, our card processor; we never see or keep the card number.'}</p>
          <ActionButton action="/account/membership/auto-renew/on" csrf={csrf} label="Turn on automatic renewal" />
        </>
      )}
    </section>
  );
}
