/**
 * The domain events membership emits (core/events, decision 0026), each inside the transaction
 * that changes the membership's status, next to the history event it writes. Every payload names
 * the membership, its member (`userId`) and its level; `actorUserId` is the admin or member who
 * acted (null: automatic, e.g. a payment or the renewals job).
 */
interface MembershipEvent {
  membershipId: number;
  userId: number;
  levelId: number;
}

/** A membership started (history `active`): its first period, paid or at a level without dues. */
export interface MembershipActivated extends MembershipEvent {
  /** Paid through this moment (the renewal date). */
  expiresAt: string;
  /** The dues invoice that paid for it; null at a level without dues. */
  invoiceId: number | null;
  actorUserId: number | null;
}

/** A membership's renewal date moved on (history `renewed`): its renewal was paid, or it renewed by itself (no dues). */
export interface MembershipRenewed extends MembershipEvent {
  /** The renewal date before (null when it had none). */
  previousExpiresAt: string | null;
  expiresAt: string;
  invoiceId: number | null;
  actorUserId: number | null;
}

/** The renewal was not paid by the end of the grace period (history `lapsed`). */
export interface MembershipLapsed extends MembershipEvent {
  /** The renewal date that went unpaid. */
  expiresAt: string;
}

/** An application was approved (history `approved`): `status` is what it became. */
export interface MembershipApproved extends MembershipEvent {
  status: 'active' | 'awaiting_payment';
  actorUserId: number;
}

/** An application was not approved (history `rejected`). */
export interface MembershipRejected extends MembershipEvent {
  reason: string;
  actorUserId: number;
}

/** An admin suspended a membership (history `suspended`). */
export interface MembershipSuspended extends MembershipEvent {
  actorUserId: number | null;
}

/** An admin reinstated a suspended membership (history `reinstated`): it is active again. */
export interface MembershipReinstated extends MembershipEvent {
  actorUserId: number | null;
}

declare module '#core/events/index.js' {
  interface DomainEvents {
    'membership.activated': MembershipActivated;
    'membership.renewed': MembershipRenewed;
    'membership.lapsed': MembershipLapsed;
    'membership.approved': MembershipApproved;
    'membership.rejected': MembershipRejected;
    'membership.suspended': MembershipSuspended;
    'membership.reinstated': MembershipReinstated;
  }
}
