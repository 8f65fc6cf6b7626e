import type { Transaction } from 'kysely';
import type { DB } from '#core/db/schema.js';
import type { MembershipStatus } from '../tables.js';
import type { DomainEvents, Events } from '#core/events/index.js';
import * as q from './queries.js';

type MembershipEventName = Extract<keyof DomainEvents, `membership.${string}`>;

/** One of membership's domain events (events.ts) with its payload. */
export type MembershipDomainEvent = { [N in MembershipEventName]: { name: N; payload: DomainEvents[N] } }[MembershipEventName];

export interface StatusChange {
  /** The statuses it may change from: anything else (e.g. a second click's) changes nothing. */
  from: readonly MembershipStatus[];
  to: MembershipStatus;
  /** Dates set with the status: the start of a first period, the renewal date. */
  set?: { started_at?: string; expires_at?: string | null };
  /** Change only while the renewal date is still this (a job that read it before deciding). */
  whileExpiresAt?: string;
  /** The line in the membership's history; null only where the caller writes its own (the e-mail confirmed that starts an application). */
  history: { kind: string; detail: string; actorUserId: number | null } | null;
  /** The domain event other modules see; null for a move inside an application that nobody outside follows. */
  event: MembershipDomainEvent | null;
  at: string;
}

/**
 * Every change of a membership's status goes through here (decision 0026): approve, reject,
 * suspend, reinstate, activation and renewal on payment, renewal without dues, lapse. Inside the
 * caller's transaction it changes the status only from the expected ones (`where status in …`),
 * then writes the history line and emits the domain event (whose handlers run in the same
 * transaction). Returns whether it changed anything: false means someone else got there first,
 * and the caller must write nothing more (no e-mail, no audit) — so a double click approves once.
 */
export async function changeStatus(trx: Transaction<DB>, events: Events, membershipId: number, change: StatusChange): Promise<boolean> {
  const changed = await q.transitionMembership(trx, membershipId, change.from, { status: change.to, ...change.set, updated_at: change.at }, change.whileExpiresAt);
  if (!changed) return false;
  if (change.history) {
    await q.insertEvent(trx, {
      membership_id: membershipId,
      kind: change.history.kind,
      detail: change.history.detail,
      actor_user_id: change.history.actorUserId,
      created_at: change.at,
    });
  }
  if (change.event) await events.emit(trx, change.event.name, change.event.payload as never);
  return true;
}
