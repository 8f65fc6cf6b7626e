import type { Transaction } from 'kysely';
import { iso, type Clock } from '../clock.js';
import type { DB } from '../db/schema.js';

/**
 * Every domain event, by name, with its payload. Empty here: each module adds the events it emits
 * by declaration merging, so core never names a module:
 *
 *   declare module '../../core/events/index.js' {
 *     interface DomainEvents { 'invoice.paid': InvoicePaid }
 *   }
 *
 * A payload is plain JSON data (numbers, strings, booleans, null, arrays, objects; times as ISO
 * strings): it is written to the outbox as it is, and read back by later jobs.
 */
export interface DomainEvents {}

/** A handler runs inside the emitting transaction: use `trx`, never the bare `db`. */
export type EventHandler<P> = (trx: Transaction<DB>, payload: P) => Promise<void>;

/** A handler for any of the events of `E`, by event name (what a module manifest's `events` gives). */
export type EventHandlers<E extends object = DomainEvents> = { [N in keyof E]?: EventHandler<E[N]> };

/**
 * Domain events raised inside the transaction that caused them (decision 0026). `emit` writes the
 * event to the `outbox` table and runs every handler registered for it, all in the caller's
 * transaction: a handler that throws rolls back the whole change, outbox row included, so what
 * happened and what it caused never disagree. The outbox row is what later readers (outgoing
 * webhooks, e-mail automations) take up once the transaction has committed.
 *
 * `E` is the map of events (by default every module's `DomainEvents`); tests may use their own.
 */
export class Events<E extends object = DomainEvents> {
  private handlers = new Map<keyof E, EventHandler<never>[]>();

  constructor(private clock: Clock) {}

  /** Run `handler` in the transaction of every later `emit` of `name`, in the order registered. */
  on<N extends keyof E & string>(name: N, handler: EventHandler<E[N]>): void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as EventHandler<never>);
    this.handlers.set(name, list);
  }

  /** Register every handler of `handlers` (a module manifest's `events`). */
  onAll(handlers: EventHandlers<E>): void {
    for (const [name, handler] of Object.entries(handlers)) if (handler) this.on(name as keyof E & string, handler as EventHandler<E[keyof E & string]>);
  }

  /**
   * Record that `name` happened, in `trx`: its outbox row first, then each handler in turn (an
   * event a handler emits is written after this one). Throws what a handler throws.
   */
  async emit<N extends keyof E & string>(trx: Transaction<DB>, name: N, payload: E[N]): Promise<void> {
    await trx
      .insertInto('outbox')
      .values({ name, payload: JSON.stringify(payload), created_at: iso(this.clock.now()), published_at: null })
      .execute();
    for (const handler of this.handlers.get(name) ?? []) await (handler as EventHandler<E[N]>)(trx, payload);
  }
}
