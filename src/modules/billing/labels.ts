import type { InvoiceStatus, PaymentsTable } from '#core/db/schema.js';

export type PaymentMethod = PaymentsTable['method'];

/** The words screens, history and the PDF use for payment methods and statuses. */
export const PAYMENT_METHODS: Record<PaymentMethod, string> = {
  check: 'Check',
  cash: 'Cash',
  bank_transfer: 'Bank transfer',
  card: 'Card',
};

export const INVOICE_STATUSES: Record<InvoiceStatus, string> = {
  unpaid: 'Unpaid',
  paid: 'Paid',
  void: 'Void',
  refunded: 'Refunded',
};
