import { formatMoney } from '#core/money.js';
import type { SiteSettings } from '#core/settings.js';
import { formatDate } from '#core/views/render.js';
import { PAYMENT_METHODS } from './labels.js';
import type { InvoiceLineRow, InvoiceRow, PaymentRow } from './queries.js';

export type InvoiceForPdf = InvoiceRow & {
  lines: Pick<InvoiceLineRow, 'description' | 'quantity' | 'unit_cents' | 'amount_cents'>[];
  payments: Pick<PaymentRow, 'kind' | 'method' | 'amount_cents' | 'reference' | 'created_at'>[];
};

/** The invoice's status as printed: what a treasurer looks for first. */
export function statusLine(invoice: Pick<InvoiceRow, 'status' | 'paid_at' | 'due_at'>, timeZone: string): string {
  switch (invoice.status) {
    case 'paid':
      return `PAID on ${formatDate(invoice.paid_at ?? invoice.due_at, timeZone)}`;
    case 'unpaid':
      return `UNPAID, due ${formatDate(invoice.due_at, timeZone)}`;
    case 'void':
      return 'VOID';
    case 'refunded':
      return 'REFUNDED';
  }
}

/**
 * The invoice as a one-page (or longer) US-letter PDF, in pdfkit's built-in Helvetica. Built-in
 * fonts carry only the Windows-1252 characters: names in other scripts would print wrongly, and
 * would need an embedded font.
 */
export async function invoicePdf(invoice: InvoiceForPdf, settings: SiteSettings): Promise<Buffer> {
  // pdfkit and its fonts are loaded on the first PDF, not at start (start-up time and memory).
  const { default: PDFDocument } = await import('pdfkit');
  const tz = settings.timeZone;
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: 54,
    info: { Title: `Invoice ${invoice.number}`, Author: settings.associationName, Subject: `Invoice ${invoice.number} from ${settings.associationName}` },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const rule = (y: number) =>
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.5)
      .strokeColor('#888888')
      .stroke();

  // Letterhead: who sends the invoice.
  doc.font('Helvetica-Bold').fontSize(15).text(settings.associationName, left, doc.y, { width });
  doc.font('Helvetica').fontSize(10);
  if (settings.contactEmail) doc.text(settings.contactEmail, { width });
  doc.moveDown(0.5);
  rule(doc.y);
  doc.moveDown(1);

  // Which invoice, and when.
  const top = doc.y;
  doc
    .font('Helvetica-Bold')
    .fontSize(20)
    .text(`Invoice ${invoice.number}`, left, top, { width: width * 0.5 });
  const headingEnd = doc.y;
  doc.font('Helvetica').fontSize(10);
  doc.text(`Issued ${formatDate(invoice.issued_at, tz)}`, left + width * 0.5, top, { width: width * 0.5, align: 'right' });
  doc.text(`Due ${formatDate(invoice.due_at, tz)}`, { width: width * 0.5, align: 'right' });
  doc.x = left;
  doc.y = Math.max(doc.y, headingEnd) + 12;

  doc.font('Helvetica-Bold').fontSize(14).text(statusLine(invoice, tz), left, doc.y, { width });
  doc.moveDown(1);

  doc.font('Helvetica-Bold').fontSize(10).text('Bill to', left, doc.y, { width });
  doc.font('Helvetica').text(invoice.bill_to, { width: width * 0.6 });
  doc.moveDown(1.5);

  // Lines.
  const cols = [
    { title: 'Description', x: left, w: width * 0.52, align: 'left' as const },
    { title: 'Quantity', x: left + width * 0.52, w: width * 0.14, align: 'right' as const },
    { title: 'Unit price', x: left + width * 0.66, w: width * 0.17, align: 'right' as const },
    { title: 'Amount', x: left + width * 0.83, w: width * 0.17, align: 'right' as const },
  ];
  const row = (cells: string[], font: string) => {
    doc.font(font).fontSize(10);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: cols[i]!.w - 4 })));
    if (doc.y + height > bottom()) doc.addPage();
    const y = doc.y;
    cells.forEach((c, i) => doc.text(c, cols[i]!.x, y, { width: cols[i]!.w - (i === 0 ? 4 : 0), align: cols[i]!.align }));
    doc.x = left;
    doc.y = y + height + 6;
  };
  row(
    cols.map((c) => c.title),
    'Helvetica-Bold',
  );
  rule(doc.y - 3);
  for (const line of invoice.lines) {
    row([line.description, String(line.quantity), formatMoney(line.unit_cents), formatMoney(line.amount_cents)], 'Helvetica');
  }
  rule(doc.y - 3);
  row(['Total', '', '', formatMoney(invoice.total_cents)], 'Helvetica-Bold');

  // Money received and returned.
  if (invoice.payments.length > 0) {
    doc.moveDown(1);
    doc.font('Helvetica-Bold').fontSize(10).text('Payments', left, doc.y, { width });
    doc.moveDown(0.3);
    let received = 0;
    for (const p of invoice.payments) {
      received += p.kind === 'payment' ? p.amount_cents : -p.amount_cents;
      const what = `${formatDate(p.created_at, tz)}: ${p.kind === 'payment' ? 'payment' : 'refund'} by ${PAYMENT_METHODS[p.method].toLowerCase()}${p.reference ? ` (${p.reference})` : ''}`;
      row([what, '', '', p.kind === 'payment' ? formatMoney(p.amount_cents) : `-${formatMoney(p.amount_cents)}`], 'Helvetica');
    }
    if (invoice.status === 'unpaid') row(['Balance due', '', '', formatMoney(invoice.total_cents - received)], 'Helvetica-Bold');
  }

  if (settings.contactEmail) {
    doc.moveDown(2);
    doc.font('Helvetica').fontSize(9).fillColor('#444444').text(`Questions about this invoice? Write to ${settings.contactEmail}.`, left, doc.y, { width });
  }
  doc.end();
  return done;
}
