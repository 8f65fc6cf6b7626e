import type { Generated } from 'kysely';

/**
 * Core's table types; each module declares its own in its `tables.ts`, added to `DB` by
 * declaration merging (decision 0029). Times are ISO-8601 UTC strings in both
 * dialects (PostgreSQL columns are timestamptz, read back as ISO strings); flags are 0/1 integers.
 */
export type Timestamp = string;

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  user_agent: string | null;
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

/** E-mails sent on a stranger's word, per recipient or sender key, in the window that began at `window_start` (core/mail/quota.ts). */
export interface MailQuotasTable {
  key: string;
  window_start: Timestamp;
  used: number;
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

/**
 * Domain events as they were emitted (core/events, decision 0026), written in the transaction that
 * caused them, for later readers (outgoing webhooks, e-mail automations).
 */
export interface OutboxTable {
  id: Generated<number>;
  /** The event's name, e.g. `invoice.paid`. */
  name: string;
  /** JSON: the event's payload. */
  payload: string;
  created_at: Timestamp;
  /** When a reader has handled it; null until then. */
  published_at: Timestamp | null;
}

/** Every table: core's here, each module's added by its `tables.ts` (`declare module '…/core/db/schema.js'`). */
export interface DB {
  sessions: SessionsTable;
  settings: SettingsTable;
  jobs: JobsTable;
  mail_messages: MailMessagesTable;
  mail_quotas: MailQuotasTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
}

/** The tables core's own machinery writes; every other table belongs to one module's manifest (core/module.ts). */
export const CORE_TABLES: readonly (keyof DB)[] = ['settings', 'sessions', 'jobs', 'mail_messages', 'mail_quotas', 'audit_log', 'outbox'];
