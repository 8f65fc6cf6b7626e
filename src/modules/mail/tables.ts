import type { Timestamp } from '#core/db/schema.js';

/** The mail module's tables (owned in its manifest's `tables`); times are ISO-8601 UTC strings, flags 0/1 integers. */

/** An admin's wording of an automated e-mail (mail module); absent: the default in code. */
export interface MailTemplatesTable {
  key: string;
  subject: string;
  text_body: string;
  updated_at: Timestamp;
  updated_by: number | null;
}

declare module '#core/db/schema.js' {
  interface DB {
    mail_templates: MailTemplatesTable;
  }
}
