import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '#test/support/clock.js';
import { startTestSite } from '#test/support/site.js';
import { networkKey, takeQuota, takeQuotas } from './quota.js';

const DAY = 86_400_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function openSite() {
  const clock = new TestClock('2026-07-02T16:00:00.000Z');
  const site = await startTestSite({ clock });
  cleanups.push(() => site.close());
  return { site, clock, db: site.database.db };
}

describe('mail quotas', () => {
  it('lets exactly the quota through when many transactions ask at once, and again when the window has passed', async () => {
    const { db, clock } = await openSite();
    const quota = { key: 'to:pat@example.org', max: 3, windowMs: DAY };
    // On PostgreSQL these run on separate pooled connections, as two app processes would.
    const results = await Promise.all(Array.from({ length: 12 }, () => db.transaction().execute((trx) => takeQuota(trx, quota, clock.now()))));
    expect(results.filter(Boolean)).toHaveLength(3);
    clock.advance(DAY - 1000);
    expect(await db.transaction().execute((trx) => takeQuota(trx, quota, clock.now()))).toBe(false);
    clock.advance(2000);
    expect(await db.transaction().execute((trx) => takeQuota(trx, quota, clock.now()))).toBe(true);
  });

  it('gives a use back when the transaction that took it rolls back, and takes all of several or none', async () => {
    const { db, clock } = await openSite();
    const to = { key: 'to:pat@example.org', max: 1, windowMs: DAY };
    const from = { key: 'ip:203.0.113.9', max: 2, windowMs: DAY };
    await expect(
      db.transaction().execute(async (trx) => {
        await takeQuota(trx, to, clock.now());
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await db.transaction().execute((trx) => takeQuotas(trx, [to, from], clock.now()))).toBe(true);
    // The address is spent: the sender's use is not taken for nothing.
    expect(await db.transaction().execute((trx) => takeQuotas(trx, [to, from], clock.now()))).toBe(false);
    expect(await db.transaction().execute((trx) => takeQuota(trx, from, clock.now()))).toBe(true);
    expect(await db.transaction().execute((trx) => takeQuota(trx, from, clock.now()))).toBe(false);
  });
});

describe('the network address a quota counts', () => {
  it('counts an IPv6 address by its /64, so rotating addresses within it gains nothing, and IPv4 as it is', () => {
    expect(networkKey('2001:db8:abcd:12:1::7')).toBe('2001:db8:abcd:12::/64');
    expect(networkKey('2001:db8:abcd:12:ffff:eeee:dddd:1')).toBe('2001:db8:abcd:12::/64');
    expect(networkKey('2001:0db8:abcd:0012::1')).toBe('2001:db8:abcd:12::/64');
    expect(networkKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkKey('2001:db8:abcd:13::1')).not.toBe(networkKey('2001:db8:abcd:12::1'));
    expect(networkKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(networkKey('203.0.113.9')).toBe('203.0.113.9');
  });
});
