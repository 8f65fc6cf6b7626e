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

export interface AuthTokensTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  purpose: 'reset' | 'setup';
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
}
