import type { Generated } from 'kysely';
import type { Timestamp } from '#core/db/schema.js';

/** The accounts module's tables (owned in its manifest's `tables`); times are ISO-8601 UTC strings, flags 0/1 integers. */

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

declare module '#core/db/schema.js' {
  interface DB {
    users: UsersTable;
    auth_tokens: AuthTokensTable;
    login_failures: LoginFailuresTable;
    two_factor: TwoFactorTable;
    recovery_codes: RecoveryCodesTable;
  }
}
