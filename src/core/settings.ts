import type { Db, Executor } from './db/index.js';
import { randomToken } from './secrets.js';

export interface SiteSettings {
  associationName: string;
  shortName: string;
  tagline: string;
  contactEmail: string;
  timeZone: string;
  /** File name under DATA_DIR/uploads, or empty for no logo. */
  logo: string;
  /** 'on' when every administrator must sign in with two-factor (accounts module). */
  requireAdminTwoFactor: string;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  associationName: 'Our Association',
  shortName: 'Association',
  tagline: '',
  contactEmail: '',
  timeZone: 'America/Denver',
  logo: '',
  requireAdminTwoFactor: '',
};

const VERSION_KEY = 'content_version';
const RECHECK_MS = 1000;

/**
 * Settings and a "content version" shared by every process through the database. Anything that
 * caches what admins edit (settings, menu, rendered public pages) keys its cache on the version:
 * the process that saves bumps it at once, others see the change within a second.
 */
export class SiteState {
  private version = '';
  private checkedAt = 0;
  private settings: { version: string; value: SiteSettings } | undefined;

  constructor(private db: Db) {}

  /** Inside a transaction, pass it: on SQLite the bare `db` would wait for that very transaction. */
  async currentVersion(executor: Executor = this.db): Promise<string> {
    const now = Date.now();
    if (now - this.checkedAt > RECHECK_MS) {
      const row = await executor.selectFrom('settings').select('value').where('key', '=', VERSION_KEY).executeTakeFirst();
      this.version = row?.value ?? '';
      this.checkedAt = now;
    }
    return this.version;
  }

  /** Call inside the transaction that changes public content; then `noteChanged` after commit. */
  async bump(executor: Executor): Promise<string> {
    const value = randomToken();
    await executor
      .insertInto('settings')
      .values({ key: VERSION_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    return value;
  }

  /** Make the next read ask the database again, as it would a second from now (another process's change). */
  expireCache() {
    this.checkedAt = 0;
  }

  noteChanged(version: string) {
    this.version = version;
    this.checkedAt = Date.now();
  }

  async getSettings(executor: Executor = this.db): Promise<SiteSettings> {
    const version = await this.currentVersion(executor);
    if (this.settings?.version === version) return this.settings.value;
    const rows = await executor.selectFrom('settings').select(['key', 'value']).execute();
    const value = { ...DEFAULT_SETTINGS };
    for (const row of rows) if (row.key in value) (value as Record<string, string>)[row.key] = row.value;
    this.settings = { version, value };
    return value;
  }

  async saveSettings(executor: Executor, values: Partial<SiteSettings>) {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      await executor
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    }
  }

  /** A value kept for the app's own use (not shown as a setting), e.g. the first-admin link. */
  async getValue(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', appValueKey(key)).executeTakeFirst();
    return row?.value;
  }

  setValue(executor: Executor, key: string, value: string | null) {
    return setAppValue(executor, key, value);
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.db.selectFrom('settings').select('key').where('key', '=', 'associationName').executeTakeFirst();
    return !row;
  }
}

/** The settings key under which `setAppValue` keeps `key` (its `_` keeps it apart from the settings admins edit). */
export const appValueKey = (key: string) => `_${key}`;

/**
 * Keep (or, with null, forget) a value for the app's own use, inside the caller's transaction.
 * The one way a module writes the core's `settings` table, e.g. the directory's index version.
 */
export async function setAppValue(executor: Executor, key: string, value: string | null): Promise<void> {
  if (value === null) {
    await executor.deleteFrom('settings').where('key', '=', appValueKey(key)).execute();
    return;
  }
  await executor
    .insertInto('settings')
    .values({ key: appValueKey(key), value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
