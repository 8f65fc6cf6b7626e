import { addMs, DAY, iso } from '../clock.js';
import type { Executor } from '../db/index.js';

/**
 * Limits on the e-mails the site sends on someone else's word (docs/decisions/0025): whoever can
 * fill in a public form, or a member acting on other people, must not be able to make the site
 * write to an address again and again. A quota is a key ("to:pat@example.org", "ip:203.0.113.9",
 * "account:12"), a number of e-mails and a window that starts with the first of them.
 */
export interface Quota {
  key: string;
  max: number;
  windowMs: number;
}

/** Every path that e-mails an address on a stranger's word shares this: at most 3 such e-mails a day to one address. */
/**
 * The key a network address counts under: an IPv6 address by its /64 (one household or customer
 * has a whole /64 and could otherwise take a fresh quota with every address), IPv4 as it is.
 */
export function networkKey(ip: string): string {
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export const recipientQuota = (address: string): Quota => ({ key: `to:${address.trim().toLowerCase()}`, max: 3, windowMs: DAY });

/**
 * Use one e-mail of a quota, inside the caller's transaction (so a rolled-back action gives it
 * back). False when the quota is spent: then send nothing. One conditional UPDATE of the key's
 * row decides, so two processes at once cannot both take the last one (PostgreSQL locks the row
 * and checks the condition again; SQLite runs one writer at a time).
 */
export async function takeQuota(trx: Executor, quota: Quota, now: Date): Promise<boolean> {
  const at = iso(now);
  const windowOpen = iso(addMs(now, -quota.windowMs));
  await trx
    .insertInto('mail_quotas')
    .values({ key: quota.key, window_start: at, used: 0 })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const result = await trx
    .updateTable('mail_quotas')
    .set((eb) => ({
      // A window that has ended starts again with this e-mail.
      used: eb
        .case()
        .when('window_start', '<=', windowOpen)
        .then(1)
        .else(eb('used', '+', 1))
        .end(),
      window_start: eb.case().when('window_start', '<=', windowOpen).then(at).else(eb.ref('window_start')).end(),
    }))
    .where('key', '=', quota.key)
    .where((eb) => eb.or([eb('window_start', '<=', windowOpen), eb('used', '<', quota.max)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Take every quota or none: false (and nothing used) when any is spent. Use inside a transaction. */
export async function takeQuotas(trx: Executor, quotas: Quota[], now: Date): Promise<boolean> {
  // Always in one order, so two transactions wanting the same keys cannot wait on each other.
  const sorted = [...quotas].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const taken: Quota[] = [];
  for (const quota of sorted) {
    if (!(await takeQuota(trx, quota, now))) {
      for (const q of taken) await giveBack(trx, q);
      return false;
    }
    taken.push(quota);
  }
  return true;
}

const giveBack = (trx: Executor, quota: Quota) =>
  trx
    .updateTable('mail_quotas')
    .set((eb) => ({ used: eb('used', '-', 1) }))
    .where('key', '=', quota.key)
    .where('used', '>', 0)
    .execute();

/** Forget windows that ended long ago (the hourly clean-up). */
export const purgeQuotas = (db: Executor, now: Date) =>
  db
    .deleteFrom('mail_quotas')
    .where('window_start', '<', iso(addMs(now, -2 * DAY)))
    .execute();
