import type { Generated } from 'kysely';
import type { Timestamp } from '#core/db/schema.js';

/** The membership module's tables (owned in its manifest's `tables`); times are ISO-8601 UTC strings, flags 0/1 integers. */

export type RenewalPolicy = 'anniversary' | 'fixed_date';

export interface MembershipLevelsTable {
  id: Generated<number>;
  name: string;
  description: string;
  dues_cents: number;
  requires_approval: number;
  renewal_policy: RenewalPolicy;
  /** For a fixed yearly renewal date (e.g. January 1): month 1–12 and day. */
  renewal_month: number | null;
  renewal_day: number | null;
  prorate: number;
  grace_days: number;
  public_can_apply: number;
  /** For agency bundles: how many people one membership covers. */
  bundle_size: number | null;
  is_example: number;
  position: number;
  archived_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type MembershipStatus = 'pending_verification' | 'pending_approval' | 'awaiting_payment' | 'active' | 'lapsed' | 'cancelled' | 'rejected' | 'suspended';

export interface MembershipsTable {
  id: Generated<number>;
  user_id: number;
  level_id: number;
  status: MembershipStatus;
  organization: string;
  job_title: string;
  phone: string;
  address_line1: string;
  address_line2: string;
  city: string;
  region: string;
  postal_code: string;
  started_at: Timestamp | null;
  /** Paid through this moment; members' access continues through the level's grace period. */
  expires_at: Timestamp | null;
  auto_renew: number;
  bundle_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A member's built-in contact details (the application, the profile, the admin page and the CSV). */
export type MemberContact = Pick<MembershipsTable, 'organization' | 'job_title' | 'phone' | 'address_line1' | 'address_line2' | 'city' | 'region' | 'postal_code'>;

export interface MembershipEventsTable {
  id: Generated<number>;
  membership_id: number;
  kind: string;
  detail: string;
  actor_user_id: number | null;
  created_at: Timestamp;
}

/** A member import: a checked CSV file, then its progress (see membership/admin-members.ts). */
/** `checking`: its rows are being stored (a batch left so was interrupted); `failed`: nothing was imported. */
export type MemberImportStatus = 'checking' | 'invalid' | 'ready' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface MemberImportBatchesTable {
  id: Generated<number>;
  status: MemberImportStatus;
  /** Rows in the file (people to import). */
  total: number;
  /** Rows imported so far. */
  done: number;
  error_count: number;
  /** JSON: [{ line, column, message }], every problem found in the file. */
  errors: string;
  /** JSON: header names that are not imported. */
  ignored_columns: string;
  failure: string | null;
  created_by: number | null;
  confirmed_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  confirmed_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface MemberImportRowsTable {
  id: Generated<number>;
  batch_id: number;
  line: number;
  email: string;
  level_id: number;
  /** JSON: the checked row, ready to insert. */
  data: string;
  /** 1 once its member was created (in that same transaction), so a failed import can take it back. */
  published: Generated<number>;
}

export type AutoRenewalStatus = 'notice_sent' | 'charged' | 'failed' | 'not_needed';

/** One renewal cycle of a membership that renews automatically (membership/auto-renewal.ts). */
export interface AutoRenewalsTable {
  id: Generated<number>;
  membership_id: number;
  /** The membership's expires_at when the notice went out: the new period starts there. */
  period_start: Timestamp;
  amount_cents: number;
  card_label: string;
  notice_sent_at: Timestamp;
  charge_due_at: Timestamp;
  status: AutoRenewalStatus;
  /** Why it failed or was not needed, in words for the member and the board. */
  detail: string;
  invoice_id: number | null;
  /** The first attempt to charge: a charge Stripe never confirmed is not retried after a day. */
  attempted_at: Timestamp | null;
  payment_intent_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A membership's dues invoice (membership owns the link; billing does not know what an invoice is for). */
export interface MembershipInvoicesTable {
  invoice_id: number;
  membership_id: number;
  /** The period the dues pay for: from `period_start` up to (not including) `period_end`. */
  period_start: Timestamp | null;
  period_end: Timestamp | null;
}

/** The renewal invoice of one membership's cycle (the cycle is named by its renewal date). */
export interface RenewalInvoicesTable {
  id: Generated<number>;
  membership_id: number;
  /** The membership's `expires_at` when the cycle's invoice was issued. */
  renewal_date: Timestamp;
  invoice_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A renewal reminder sent: at most one per membership, renewal date and offset (unique). */
export interface RenewalRemindersTable {
  id: Generated<number>;
  membership_id: number;
  renewal_date: Timestamp;
  /** Days from the renewal date: negative before it, 0 on the day, positive after. */
  offset_days: number;
  sent_at: Timestamp;
}

/** Member fields the board defines beyond the built-in ones (membership/fields.ts). */
export type MemberFieldType = 'text' | 'choice' | 'checkbox' | 'date';
export type MemberFieldVisibility = 'admins' | 'members' | 'everyone';

export interface MemberFieldsTable {
  id: Generated<number>;
  /** Derived from the first label; never changes. */
  key: string;
  label: string;
  type: MemberFieldType;
  /** For a choice field: the choices, one a line; empty otherwise. */
  choices: string;
  required: number;
  visibility: MemberFieldVisibility;
  position: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A member's value of one field: text, a choice, 'on'/'off', or a date as YYYY-MM-DD. */
export interface MemberFieldValuesTable {
  membership_id: number;
  field_id: number;
  value: string;
}

/** A member's directory choices; no row means the defaults (listed, e-mail shown). */
export interface MemberPrivacyTable {
  membership_id: number;
  listed: number;
  show_email: number;
  show_phone: number;
  show_address: number;
  updated_at: Timestamp;
}

/** The directory's search index, derived (membership/directory.ts); kept fresh through directory_dirty. */
export interface DirectoryIndexTable {
  membership_id: number;
  sort_name: string;
  /** End of the grace period of an active, listed membership; null when not shown. */
  visible_until: Timestamp | null;
}

export interface DirectoryCardsTable {
  membership_id: number;
  /** JSON: what the directory shows of the member, already reduced to what they allow. */
  card: string;
}

export interface DirectoryTermsTable {
  term: string;
  membership_id: number;
}

export interface DirectoryDirtyTable {
  membership_id: number;
}

declare module '#core/db/schema.js' {
  interface DB {
    membership_levels: MembershipLevelsTable;
    memberships: MembershipsTable;
    membership_events: MembershipEventsTable;
    member_import_batches: MemberImportBatchesTable;
    member_import_rows: MemberImportRowsTable;
    auto_renewals: AutoRenewalsTable;
    membership_invoices: MembershipInvoicesTable;
    renewal_invoices: RenewalInvoicesTable;
    renewal_reminders: RenewalRemindersTable;
    member_fields: MemberFieldsTable;
    member_field_values: MemberFieldValuesTable;
    member_privacy: MemberPrivacyTable;
    directory_index: DirectoryIndexTable;
    directory_cards: DirectoryCardsTable;
    directory_terms: DirectoryTermsTable;
    directory_dirty: DirectoryDirtyTable;
  }
}
