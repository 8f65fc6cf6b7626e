/**
 * The domain events billing emits (core/events, decision 0026), each inside the transaction of
 * the change it reports. Other modules react with `events.on(name, (trx, payload) => …)`.
 */

/** An invoice became paid: payments now cover its total. */
export interface InvoicePaid {
  invoiceId: number;
  /** The invoice's number, as printed. */
  number: number;
  /** The user the invoice is for. */
  userId: number;
  totalCents: number;
  currency: string;
  paidAt: string;
}

/** An unpaid invoice was voided: nothing is owed on it any more. */
export interface InvoiceVoided {
  invoiceId: number;
  number: number;
  userId: number;
  reason: string;
  /** The admin who voided it; null: automatic. */
  actorUserId: number | null;
}

/** Stripe saved a member's card (a Checkout session in setup mode completed). */
export interface CardSaved {
  userId: number;
  /** What the member sees, e.g. "Visa ending 4242". */
  cardLabel: string;
  /** The member started the set-up to turn automatic renewal on (not only to change the card). */
  turnOnAutoRenew: boolean;
}

declare module '#core/events/index.js' {
  interface DomainEvents {
    'invoice.paid': InvoicePaid;
    'invoice.voided': InvoiceVoided;
    'card.saved': CardSaved;
  }
}
