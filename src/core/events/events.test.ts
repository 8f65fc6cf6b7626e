import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '#test/support/clock.js';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { Events } from './index.js';

/** Events of this test only (the site's own `DomainEvents` are every module's). */
interface TestEvents {
  'order.placed': { orderId: number; note: string };
  'order.shipped': { orderId: number };
}

let clock: TestClock;
let site: TestSite;
let events: Events<TestEvents>;

beforeEach(async () => {
  clock = new TestClock('2026-03-02T16:10:00.000Z');
  site = await startTestSite({ clock });
  events = new Events<TestEvents>(clock);
});
afterEach(() => site.close());

const db = () => site.database.db;
const setting = async (key: string) => (await db().selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
const outbox = () => db().selectFrom('outbox').select(['name', 'payload', 'created_at', 'published_at']).orderBy('id').execute();

describe('domain events', () => {
  it('runs each handler inside the emitting transaction and writes the event to the outbox with it', async () => {
    const seen: string[] = [];
    events.on('order.placed', async (trx, order) => {
      // The emitter's write is visible here, not yet committed: the same transaction.
      seen.push(
        `first saw ${await trx
          .selectFrom('settings')
          .select('value')
          .where('key', '=', '_order')
          .executeTakeFirst()
          .then((r) => r?.value)}`,
      );
      await trx.insertInto('settings').values({ key: '_handled', value: order.note }).execute();
    });
    events.on('order.placed', async (_trx, order) => {
      seen.push(`second got order ${order.orderId}`);
    });

    await db()
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('settings').values({ key: '_order', value: 'placed' }).execute();
        await events.emit(trx, 'order.placed', { orderId: 7, note: 'two boxes' });
      });

    expect(seen).toEqual(['first saw placed', 'second got order 7']);
    expect(await setting('_handled')).toBe('two boxes');
    expect(await outbox()).toEqual([
      { name: 'order.placed', payload: JSON.stringify({ orderId: 7, note: 'two boxes' }), created_at: '2026-03-02T16:10:00.000Z', published_at: null },
    ]);
  });

  it('rolls everything back when a handler throws: the change, the other handlers’ writes and the outbox row', async () => {
    events.on('order.placed', async (trx) => {
      await trx.insertInto('settings').values({ key: '_handled', value: 'yes' }).execute();
    });
    events.on('order.placed', async () => {
      throw new Error('out of stock');
    });

    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('settings').values({ key: '_order', value: 'placed' }).execute();
          await events.emit(trx, 'order.placed', { orderId: 8, note: '' });
        }),
    ).rejects.toThrow('out of stock');

    expect(await setting('_order')).toBeUndefined();
    expect(await setting('_handled')).toBeUndefined();
    expect(await outbox()).toEqual([]);
  });

  it('leaves no outbox row when the emitting transaction rolls back after the event', async () => {
    let handled = 0;
    events.on('order.shipped', async () => {
      handled += 1;
    });
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await events.emit(trx, 'order.shipped', { orderId: 9 });
          throw new Error('the courier did not come');
        }),
    ).rejects.toThrow('the courier did not come');
    expect(handled).toBe(1);
    expect(await outbox()).toEqual([]);
  });

  it('writes an event no one handles, and an event a handler emits after the one that caused it', async () => {
    events.on('order.placed', async (trx, order) => {
      await events.emit(trx, 'order.shipped', { orderId: order.orderId });
    });
    await db()
      .transaction()
      .execute((trx) => events.emit(trx, 'order.placed', { orderId: 10, note: 'express' }));
    expect((await outbox()).map((e) => [e.name, JSON.parse(e.payload)])).toEqual([
      ['order.placed', { orderId: 10, note: 'express' }],
      ['order.shipped', { orderId: 10 }],
    ]);
  });
});

/**
 * Typed payloads: never run, checked by `npm run typecheck` (part of `npm test`), which fails if
 * any line marked @ts-expect-error compiles.
 */
export function typeChecks(e: Events<TestEvents>, site: TestSite) {
  return site.database.db.transaction().execute(async (trx) => {
    // @ts-expect-error an event that does not exist
    await e.emit(trx, 'order.lost', { orderId: 1 });
    // @ts-expect-error a payload missing a field
    await e.emit(trx, 'order.placed', { orderId: 1 });
    // @ts-expect-error a field of the wrong type
    await e.emit(trx, 'order.shipped', { orderId: '1' });
    e.on('order.shipped', async (_trx, shipped) => {
      // @ts-expect-error the handler's payload is the event's
      void shipped.note;
    });
    // The site's own events are the modules' (declaration merging), e.g. billing's.
    site.events.on('invoice.paid', async (_trx, paid) => {
      const cents: number = paid.totalCents;
      void cents;
    });
    // @ts-expect-error a module's event with another's payload
    await site.events.emit(trx, 'membership.lapsed', { invoiceId: 1 });
  });
}
