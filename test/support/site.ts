import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHeadworks, type Headworks } from '#src/app.js';
import { hashPassword } from '#core/auth/passwords.js';
import { loadConfig, type Config } from '#src/config.js';
import type { Clock } from '#core/clock.js';
import type { MembershipStatus } from '#modules/membership/index.js';

export const dialectUnderTest = process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';

export interface TestSite extends Headworks {
  dataDir: string;
  /**
   * Create a user with a password, straight in the database. A member also gets an active
   * membership (first level, paid for a year) unless `membership: false`.
   */
  addUser(user: { email: string; password: string; name?: string; role?: 'admin' | 'member'; membership?: boolean }): Promise<number>;
}

/**
 * A whole Headworks site on a fresh database: a SQLite file in a temporary folder, or (when
 * DATABASE_URL points at PostgreSQL) a schema of its own that is dropped afterwards.
 */
export async function startTestSite(options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestSite> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-test-'));
  const base = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, BASE_URL: 'http://localhost:3000', ...options.env });
  let schema: string | undefined;
  let config: Config = base;
  if (dialectUnderTest === 'postgres') {
    schema = `t_${process.env.HEADWORKS_TEST_RUN ?? 'adhoc'}_${crypto.randomBytes(6).toString('hex')}`;
    config = { ...base, database: { kind: 'postgres', url: process.env.DATABASE_URL!, schema } };
  }
  let hw: Headworks;
  try {
    hw = await createHeadworks(config, { clock: options.clock });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...hw,
    dataDir,
    async addUser(user) {
      const now = hw.clock.now().toISOString();
      const row = await hw.database.db
        .insertInto('users')
        .values({
          email: user.email.toLowerCase(),
          name: user.name ?? user.email.split('@')[0]!,
          role: user.role ?? 'member',
          password_hash: await hashPassword(user.password),
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if ((user.role ?? 'member') === 'member' && user.membership !== false) {
        const level = await hw.database.db.selectFrom('membership_levels').select('id').orderBy('position').executeTakeFirstOrThrow();
        await insertMembership(hw, {
          user_id: row.id,
          level_id: level.id,
          status: 'active',
          started_at: now,
          expires_at: new Date(hw.clock.now().getTime() + 365 * 86_400_000).toISOString(),
        });
      }
      return row.id;
    },
    async close() {
      // The schema is dropped when the whole run ends (test/support/global-setup.ts).
      await hw.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A membership row straight in the database (no contact details, no automatic renewal); its id. */
export async function insertMembership(
  hw: Pick<Headworks, 'database'>,
  m: { user_id: number; level_id: number; status: MembershipStatus; started_at: string; expires_at: string | null; organization?: string; created_at?: string },
): Promise<number> {
  const row = await hw.database.db
    .insertInto('memberships')
    .values({
      user_id: m.user_id,
      level_id: m.level_id,
      status: m.status,
      organization: m.organization ?? '',
      job_title: '',
      phone: '',
      address_line1: '',
      address_line2: '',
      city: '',
      region: '',
      postal_code: '',
      started_at: m.started_at,
      expires_at: m.expires_at,
      auto_renew: 0,
      bundle_id: null,
      created_at: m.created_at ?? m.started_at,
      updated_at: m.created_at ?? m.started_at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
