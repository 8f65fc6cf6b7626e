import type { Generated } from 'kysely';
import type { Timestamp } from '#core/db/schema.js';

/** The billing module's tables (owned in its manifest's `tables`); times are ISO-8601 UTC strings, flags 0/1 integers. */

export interface CountersTable {
  name: string;
  value: number;
}

export type InvoiceStatus = 'unpaid' | 'paid' | 'void' | 'refunded';

export interface InvoicesTable {
  id: Generated<number>;
  number: number;
  user_id: number;
  status: InvoiceStatus;
  currency: string;
  total_cents: number;
  /** Name and address as they were when the invoice was issued. */
  bill_to: string;
  issued_at: Timestamp;
  due_at: Timestamp;
  paid_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InvoiceLinesTable {
  id: Generated<number>;
  invoice_id: number;
  description: string;
  quantity: number;
  unit_cents: number;
  amount_cents: number;
}

export interface PaymentsTable {
  id: Generated<number>;
  invoice_id: number;
  kind: 'payment' | 'refund';
  method: 'card' | 'check' | 'cash' | 'bank_transfer';
  amount_cents: number;
  reference: string;
  external_id: string | null;
  recorded_by: number | null;
  created_at: Timestamp;
}

export interface InvoiceEventsTable {
  id: Generated<number>;
  invoice_id: number;
  action: string;
  detail: string;
  actor_user_id: number | null;
  created_at: Timestamp;
}

/** A member's customer at Stripe and the card saved for automatic renewal (billing/stripe.ts). */
export interface StripeCustomersTable {
  user_id: number;
  customer_id: string;
  payment_method_id: string | null;
  /** What the member sees, e.g. "Visa ending 4242". */
  card_label: string;
  card_session_id: string | null;
  /** When Stripe created that Checkout session (Unix seconds). */
  card_session_created: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '#core/db/schema.js' {
  interface DB {
    counters: CountersTable;
    invoices: InvoicesTable;
    invoice_lines: InvoiceLinesTable;
    payments: PaymentsTable;
    invoice_events: InvoiceEventsTable;
    stripe_customers: StripeCustomersTable;
  }
}
