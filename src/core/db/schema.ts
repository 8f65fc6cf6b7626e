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

export type LinkPurpose = 'reset' | 'setup' | 'verify';

export interface AuthTokensTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  purpose: LinkPurpose;
  created_at: Timestamp;
  expires_at: Timestamp;
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

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  auth_tokens: AuthTokensTable;
  login_failures: LoginFailuresTable;
  pages: PagesTable;
  news_posts: NewsPostsTable;
  settings: SettingsTable;
  jobs: JobsTable;
  mail_messages: MailMessagesTable;
  membership_levels: MembershipLevelsTable;
  memberships: MembershipsTable;
  membership_events: MembershipEventsTable;
  counters: CountersTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  payments: PaymentsTable;
  invoice_events: InvoiceEventsTable;
}
