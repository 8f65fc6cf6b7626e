import type { Generated } from 'kysely';

/**
 * Table types, written once next to the migrations. Times are ISO-8601 UTC strings in both
 * dialects (PostgreSQL columns are timestamptz, read back as ISO strings); flags are 0/1 integers.
 */
export type Timestamp = string;

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string | null;
  role: 'admin' | 'member';
  email_verified_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  user_agent: string | null;
}

/** `sign_in`: the password was right and the two-factor code is still to come (minutes, once). */
export type LinkPurpose = 'reset' | 'setup' | 'verify' | 'sign_in';

export interface AuthTokensTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  purpose: LinkPurpose;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface TwoFactorTable {
  user_id: number;
  /** The TOTP secret, encrypted (see accounts/two-factor.ts). */
  secret: string;
  /** The last 30-second step a code was accepted for; a code of that step or before is refused. */
  last_step: number | null;
  enabled_at: Timestamp;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  created_at: Timestamp;
}

export interface PagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description: string;
  body_md: string;
  body_html: string;
  visibility: 'public' | 'members';
  menu_order: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NewsPostsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  body_md: string;
  body_html: string;
  visibility: 'public' | 'members';
  published_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface JobsTable {
  id: Generated<number>;
  type: string;
  payload: string;
  dedupe_key: string | null;
  run_at: Timestamp;
  attempts: number;
  max_attempts: number;
  locked_until: Timestamp | null;
  locked_by: string | null;
  last_error: string | null;
  done_at: Timestamp | null;
  failed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface MailMessagesTable {
  id: Generated<number>;
  to_addr: string;
  subject: string;
  text_body: string;
  status: 'queued' | 'sent' | 'failed';
  transport: 'smtp' | 'file' | null;
  file_name: string | null;
  message_id: string | null;
  error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** An admin's wording of an automated e-mail (mail module); absent: the default in code. */
export interface MailTemplatesTable {
  key: string;
  subject: string;
  text_body: string;
  updated_at: Timestamp;
  updated_by: number | null;
}

/** E-mails sent on a stranger's word, per recipient or sender key, in the window that began at `window_start` (core/mail/quota.ts). */
export interface MailQuotasTable {
  key: string;
  window_start: Timestamp;
  used: number;
}

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

export interface CountersTable {
  name: string;
  value: number;
}

export type InvoiceStatus = 'unpaid' | 'paid' | 'void' | 'refunded';

export interface InvoicesTable {
  id: Generated<number>;
  number: number;
  user_id: number;
  membership_id: number | null;
  purpose: 'dues' | 'other';
  status: InvoiceStatus;
  currency: string;
  total_cents: number;
  /** Name and address as they were when the invoice was issued. */
  bill_to: string;
  issued_at: Timestamp;
  due_at: Timestamp;
  paid_at: Timestamp | null;
  period_start: Timestamp | null;
  period_end: Timestamp | null;
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

/** One admin action (core/audit); copies who and what, so it never depends on other rows. */
export interface AuditLogTable {
  id: Generated<number>;
  created_at: Timestamp;
  actor_kind: 'user' | 'stripe';
  /** The admin's user id when it was written; the row may be gone since. */
  actor_user_id: number | null;
  actor_name: string;
  actor_email: string;
  ip: string | null;
  action: string;
  summary: string;
  subject_type: string | null;
  subject_id: number | null;
  subject_label: string;
  /** The person the action concerns (a member, an invited admin, an invoice's payer). */
  person_user_id: number | null;
  person_name: string | null;
  /** JSON: [{ field, before, after }]; a secret's values are never stored, only "changed". */
  changes: string;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  auth_tokens: AuthTokensTable;
  login_failures: LoginFailuresTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  pages: PagesTable;
  news_posts: NewsPostsTable;
  settings: SettingsTable;
  jobs: JobsTable;
  mail_messages: MailMessagesTable;
  mail_templates: MailTemplatesTable;
  mail_quotas: MailQuotasTable;
  membership_levels: MembershipLevelsTable;
  memberships: MembershipsTable;
  membership_events: MembershipEventsTable;
  counters: CountersTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  payments: PaymentsTable;
  invoice_events: InvoiceEventsTable;
  member_import_batches: MemberImportBatchesTable;
  member_import_rows: MemberImportRowsTable;
  stripe_customers: StripeCustomersTable;
  auto_renewals: AutoRenewalsTable;
  renewal_invoices: RenewalInvoicesTable;
  renewal_reminders: RenewalRemindersTable;
  member_fields: MemberFieldsTable;
  member_field_values: MemberFieldValuesTable;
  member_privacy: MemberPrivacyTable;
  directory_index: DirectoryIndexTable;
  directory_cards: DirectoryCardsTable;
  directory_terms: DirectoryTermsTable;
  directory_dirty: DirectoryDirtyTable;
  audit_log: AuditLogTable;
}

/** The tables core's own machinery writes; every other table belongs to one module's manifest (core/module.ts). */
export const CORE_TABLES: readonly (keyof DB)[] = ['settings', 'sessions', 'jobs', 'mail_messages', 'mail_quotas', 'audit_log'];
