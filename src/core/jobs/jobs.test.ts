import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHeadworks } from '#src/app.js';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { LEASE_MS } from './index.js';

// The jobs these tests register (only the tests' own program knows them).
declare module './index.js' {
  interface JobPayloads {
    'test.note': { note: string };
    'test.effect': { n: number };
    'test.flaky': null;
    'test.once-flaky': null;
    'test.hourly': null;
    'test.long': null;
  }
}

let clock: TestClock;
let site: TestSite;

beforeEach(async () => {
  clock = new TestClock('2026-03-02T16:10:00.000Z');
  site = await startTestSite({ clock });
});
afterEach(() => site.close());

const SECOND = 1000;

function jobsOfType(type: string) {
  return site.database.db.selectFrom('jobs').selectAll().where('type', '=', type).orderBy('id').execute();
}

async function onlyJob(type: string) {
  const rows = await jobsOfType(type);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** A handler that notes each payload it is given. */
function noting(type: 'test.note') {
  const seen: string[] = [];
  site.jobs.register(type, async (payload: { note: string }) => {
    seen.push(payload.note);
  });
  return seen;
}

describe('jobs are written in the caller’s transaction', () => {
  it('never runs a job whose transaction rolled back, and runs one that committed', async () => {
    const seen = noting('test.note');
    const db = site.database.db;

    await expect(
      db.transaction().execute(async (trx) => {
        await site.jobs.enqueue(trx, 'test.note', { note: 'rolled back' });
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('the caller changed its mind');
    await db.transaction().execute((trx) => site.jobs.enqueue(trx, 'test.note', { note: 'committed' }));

    expect(seen).toEqual([]);
    await site.jobs.runDue();
    expect(seen).toEqual(['committed']);

    const row = await onlyJob('test.note');
    expect(JSON.parse(row.payload)).toEqual({ note: 'committed' });
    expect(row.done_at).toBe(clock.now().toISOString());
    expect(row.attempts).toBe(1);

    // Done is done: a later pass does not run it again.
    clock.advance(HOUR);
    await site.jobs.runDue();
    expect(seen).toEqual(['committed']);
  });

  it('waits until run_at before running a job planned for later', async () => {
    const seen = noting('test.note');
    await site.jobs.enqueue(site.database.db, 'test.note', { note: 'tomorrow' }, { runAt: new Date(clock.now().getTime() + DAY) });
    await site.jobs.runDue();
    expect(seen).toEqual([]);
    clock.advance(DAY);
    await site.jobs.runDue();
    expect(seen).toEqual(['tomorrow']);
  });

  it('refuses to queue a job nobody can run', async () => {
    // @ts-expect-error: the compiler knows no job of that name either
    await expect(site.jobs.enqueue(site.database.db, 'test.unknown', {})).rejects.toThrow('No job handler for "test.unknown"');
    expect(await jobsOfType('test.unknown')).toEqual([]);
  });
});

describe('failing jobs', () => {
  it('retries a failing job with back-off, then marks it failed after max_attempts and keeps the error', async () => {
    let calls = 0;
    site.jobs.register(
      'test.flaky',
      async () => {
        calls += 1;
        throw new Error(`the server said no (call ${calls})`);
      },
      { maxAttempts: 3 },
    );
    await site.jobs.enqueue(site.database.db, 'test.flaky', null);

    const first = await site.jobs.runDue();
    expect(calls).toBe(1);
    expect(first.failed).toBe(1);
    let row = await onlyJob('test.flaky');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toBe('the server said no (call 1)');
    expect(row.run_at).toBe(new Date(clock.now().getTime() + 30 * SECOND).toISOString());
    expect(row.failed_at).toBeNull();
    expect(row.done_at).toBeNull();

    // First back-off is 30 s: not due one second before, due at 30 s.
    clock.advance(29 * SECOND);
    await site.jobs.runDue();
    expect(calls).toBe(1);
    clock.advance(1 * SECOND);
    await site.jobs.runDue();
    expect(calls).toBe(2);
    row = await onlyJob('test.flaky');
    expect(row.attempts).toBe(2);
    expect(row.last_error).toBe('the server said no (call 2)');

    // Second back-off is 1 minute.
    clock.advance(MINUTE - SECOND);
    await site.jobs.runDue();
    expect(calls).toBe(2);
    clock.advance(SECOND);
    await site.jobs.runDue();
    expect(calls).toBe(3);

    // Third attempt of three: failed for good, with the last error kept for an admin.
    row = await onlyJob('test.flaky');
    expect(row.attempts).toBe(3);
    expect(row.failed_at).toBe(clock.now().toISOString());
    expect(row.last_error).toBe('the server said no (call 3)');
    expect(row.done_at).toBeNull();

    clock.advance(7 * DAY);
    await site.jobs.runDue();
    expect(calls).toBe(3);
  });

  it('marks a job done, with the old error cleared, when a retry succeeds', async () => {
    let calls = 0;
    site.jobs.register('test.once-flaky', async () => {
      calls += 1;
      if (calls === 1) throw new Error('temporary trouble');
    });
    await site.jobs.enqueue(site.database.db, 'test.once-flaky', null);
    await site.jobs.runDue();
    expect((await onlyJob('test.once-flaky')).last_error).toBe('temporary trouble');
    clock.advance(30 * SECOND);
    const second = await site.jobs.runDue();
    expect(second.failed).toBe(0);
    const row = await onlyJob('test.once-flaky');
    expect(calls).toBe(2);
    expect(row.done_at).toBe(clock.now().toISOString());
    expect(row.last_error).toBeNull();
    expect(row.failed_at).toBeNull();
  });

  it('lets another runner take over a job whose runner died, once its lease has run out', async () => {
    const seen = noting('test.note');
    await site.jobs.enqueue(site.database.db, 'test.note', { note: 'orphan' });
    // A process claimed the job, then died without finishing it.
    await site.database.db
      .updateTable('jobs')
      .set({ locked_by: 'dead-process', locked_until: new Date(clock.now().getTime() + 5 * MINUTE).toISOString(), attempts: 1 })
      .where('type', '=', 'test.note')
      .execute();

    await site.jobs.runDue();
    expect(seen).toEqual([]);
    clock.advance(5 * MINUTE + SECOND);
    await site.jobs.runDue();
    expect(seen).toEqual(['orphan']);
    expect((await onlyJob('test.note')).done_at).not.toBeNull();
  });
});

describe('de-duplication and recurring jobs', () => {
  it('does not add a second job with the same dedupeKey, even after the first ran', async () => {
    const seen = noting('test.note');
    const db = site.database.db;
    await site.jobs.enqueue(db, 'test.note', { note: 'first' }, { dedupeKey: 'renewal-reminder:42:2026' });
    await site.jobs.enqueue(db, 'test.note', { note: 'second' }, { dedupeKey: 'renewal-reminder:42:2026' });
    await site.jobs.enqueue(db, 'test.note', { note: 'other member' }, { dedupeKey: 'renewal-reminder:43:2026' });
    await site.jobs.runDue();
    await site.jobs.enqueue(db, 'test.note', { note: 'third' }, { dedupeKey: 'renewal-reminder:42:2026' });
    await site.jobs.runDue();
    expect(seen).toEqual(['first', 'other member']);
    expect(await jobsOfType('test.note')).toHaveLength(2);
  });

  it('runs an every() job once per interval slot, however often the runner looks', async () => {
    let runs = 0;
    site.jobs.register('test.hourly', async () => {
      runs += 1;
    });
    site.jobs.every('test.hourly', HOUR);

    await site.jobs.runDue(); // 16:10, slot 16:00
    await site.jobs.runDue();
    expect(runs).toBe(1);
    clock.advance(45 * MINUTE); // 16:55, same slot
    await site.jobs.runDue();
    expect(runs).toBe(1);
    clock.advance(10 * MINUTE); // 17:05, next slot
    await site.jobs.runDue();
    await site.jobs.runDue();
    expect(runs).toBe(2);
    // After a long pause, missed slots are not made up: one run for the current slot.
    clock.advance(5 * HOUR);
    await site.jobs.runDue();
    expect(runs).toBe(3);

    const rows = await jobsOfType('test.hourly');
    expect(rows.map((r) => r.run_at)).toEqual(['2026-03-02T16:00:00.000Z', '2026-03-02T17:00:00.000Z', '2026-03-02T22:00:00.000Z']);
  });
});

describe('two processes running jobs on one database', () => {
  it('runs each job exactly once when two runners work at the same time', async () => {
    // A second app process: its own connection (a second SQLite connection to the same file, or
    // a second PostgreSQL pool on the same schema) and its own Jobs runner.
    const other = await createHeadworks(site.config, { clock });
    try {
      const effects = new Map<number, string[]>();
      const handler = (runner: string) => async (payload: { n: number }) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        effects.set(payload.n, [...(effects.get(payload.n) ?? []), runner]);
      };
      site.jobs.register('test.effect', handler('first'));
      other.jobs.register('test.effect', handler('second'));
      let hourly = 0;
      for (const jobs of [site.jobs, other.jobs]) {
        jobs.register('test.hourly', async () => {
          hourly += 1;
        });
        jobs.every('test.hourly', HOUR);
      }

      const count = 40;
      await site.database.db.transaction().execute(async (trx) => {
        for (let n = 0; n < count; n++) await site.jobs.enqueue(trx, 'test.effect', { n });
      });

      const [a, b] = await Promise.all([site.jobs.runDue(), other.jobs.runDue()]);

      expect(a.failed + b.failed).toBe(0);
      expect([...effects.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, n) => n));
      const twice = [...effects].filter(([, runners]) => runners.length !== 1);
      expect(twice).toEqual([]);
      expect(hourly).toBe(1);

      const rows = await jobsOfType('test.effect');
      expect(rows).toHaveLength(count);
      expect(rows.filter((r) => r.done_at === null)).toEqual([]);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);

      // Both runners looking again finds nothing left to do.
      await Promise.all([site.jobs.runDue(), other.jobs.runDue()]);
      expect([...effects.values()].every((runners) => runners.length === 1)).toBe(true);
      expect(hourly).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('leases: a runner that dies gives its job up within a minute, a live one keeps it', () => {
  /** A handler that waits until released, then commits its effect behind the lease's fence. */
  function gated(runner: string, effects: string[]) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = async (_payload: unknown, job: { fence(trx: unknown): Promise<void> }) => {
      await gate;
      await site.database.db.transaction().execute(async (trx) => {
        await job.fence(trx);
        effects.push(runner);
      });
    };
    return { handler, release };
  }

  async function claimed(type: string) {
    for (let i = 0; i < 500; i++) {
      const [row] = await jobsOfType(type);
      if (row?.locked_by) return row;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the job was never claimed');
  }

  it('takes over a job whose runner stopped once the lease lapsed, not before, and the old runner commits nothing', async () => {
    const other = await createHeadworks(site.config, { clock });
    try {
      const effects: string[] = [];
      const first = gated('first', effects);
      site.jobs.register('test.long', first.handler);
      other.jobs.register('test.long', async () => {
        effects.push('second');
      });
      await site.jobs.enqueue(site.database.db, 'test.long', null);

      // The first runner claims the job and then hangs (as a killed process would): no heartbeat.
      const firstPass = site.jobs.runDue();
      const lease = await claimed('test.long');
      expect(lease.locked_until).toBe(new Date(clock.now().getTime() + LEASE_MS).toISOString());
      expect(LEASE_MS).toBeLessThanOrEqual(MINUTE);

      clock.advance(LEASE_MS - SECOND);
      await other.jobs.runDue();
      expect(effects).toEqual([]);
      expect(await site.jobs.lapsed('test.long', null)).toBe(false);

      clock.advance(2 * SECOND);
      await other.jobs.runDue();
      expect(effects).toEqual(['second']);
      const done = await onlyJob('test.long');
      expect(done.done_at).toBe(clock.now().toISOString());
      expect(done.attempts).toBe(2);

      // The first runner comes back: its lease is gone, so its effect is refused and the record stays the second's.
      first.release();
      await firstPass;
      expect(effects).toEqual(['second']);
      expect(await onlyJob('test.long')).toEqual(done);
    } finally {
      await other.close();
    }
  });

  it('does not let another runner steal a job whose runner is alive and beating', async () => {
    const other = await createHeadworks(site.config, { clock });
    try {
      const effects: string[] = [];
      const first = gated('first', effects);
      site.jobs.register('test.long', first.handler);
      other.jobs.register('test.long', async () => {
        effects.push('second');
      });
      await site.jobs.enqueue(site.database.db, 'test.long', null);
      const firstPass = site.jobs.runDue();
      await claimed('test.long');

      // Five minutes of work, a heartbeat every half lease: the other runner looks in between and finds nothing to take.
      for (let i = 0; i < 10; i++) {
        clock.advance(LEASE_MS / 2);
        await site.jobs.heartbeat();
        await other.jobs.runDue();
      }
      expect(effects).toEqual([]);

      first.release();
      await firstPass;
      expect(effects).toEqual(['first']);
      const row = await onlyJob('test.long');
      expect(row.attempts).toBe(1);
      expect(row.done_at).toBe(clock.now().toISOString());
    } finally {
      await other.close();
    }
  });

  it('says a job’s lease lapsed only when its runner stopped before finishing', async () => {
    site.jobs.register('test.note', async () => {});
    await site.jobs.enqueue(site.database.db, 'test.note', { note: 'one' });
    expect(await site.jobs.lapsed('test.note', { note: 'one' })).toBe(false);
    await site.database.db
      .updateTable('jobs')
      .set({ locked_by: 'dead-process#1', locked_until: new Date(clock.now().getTime() + LEASE_MS).toISOString(), attempts: 1 })
      .where('type', '=', 'test.note')
      .execute();
    expect(await site.jobs.lapsed('test.note', { note: 'one' })).toBe(false);
    clock.advance(LEASE_MS + SECOND);
    expect(await site.jobs.lapsed('test.note', { note: 'one' })).toBe(true);
    expect(await site.jobs.lapsed('test.note', { note: 'two' })).toBe(false);
    await site.jobs.runDue();
    expect(await site.jobs.lapsed('test.note', { note: 'one' })).toBe(false);
  });
});

/**
 * Never run: `npm run typecheck` (part of `npm test`) compiles it, and fails if a line marked
 * @ts-expect-error compiles, that is if job names and payloads stopped being checked against
 * the JobPayloads each module declares (here core/mail's and membership's real jobs).
 */
export function typeChecks(site: TestSite) {
  const db = site.database.db;
  return Promise.all([
    site.jobs.enqueue(db, 'mail.send', { id: 1 }),
    // @ts-expect-error the message's id is a number
    site.jobs.enqueue(db, 'mail.send', { id: '1' }),
    // @ts-expect-error an import job names its batch
    site.jobs.enqueue(db, 'membership.import', {}),
    // @ts-expect-error a job no module declares
    site.jobs.enqueue(db, 'membership.imports', { batchId: 1 }),
    site.jobs.lapsed('membership.import', { batchId: 1 }),
    // @ts-expect-error the payload asked about is the job's own kind
    site.jobs.lapsed('membership.import', { id: 1 }),
  ]).then(() => {
    site.jobs.register('mail.send', async (payload) => void payload.id.toFixed());
    // @ts-expect-error a handler is given its job's payload, not another's
    site.jobs.register('mail.send', async (payload: { batchId: number }) => void payload.batchId);
    site.jobs.every('mail.quotas_cleanup', DAY);
    // @ts-expect-error only a job without a payload runs on a schedule
    site.jobs.every('mail.send', DAY);
  });
}
