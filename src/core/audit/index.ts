import type { SessionUser } from '../auth/sessions.js';
import type { Executor } from '../db/index.js';

/**
 * The audit log of admin actions (decision 0023): who changed settings, roles, money or members'
 * data, when, from where, and what changed. An entry is written by `recordAudit` inside the
 * transaction of the change it records, so it exists exactly when the change committed. Entries
 * copy every name they show and hold no foreign key: they outlive the admin's account.
 */

/** The admin who acts, as the route knows them; passed down to the service that records. */
export interface Actor {
  userId: number;
  name: string;
  email: string;
  /** The network address the request came from (as the proxy settings let the app see it). */
  ip: string | null;
}

/** Changes made without an admin: Stripe's webhooks. */
export const STRIPE = 'stripe' as const;
export type AuditBy = Actor | typeof STRIPE;

/** The actor of an admin's request: on a route under /admin (guarded by core/http/areas.ts). */
export function actorOf(request: { user: SessionUser | null; ip: string }): Actor {
  const user = request.user;
  if (!user) throw new Error('actorOf needs a signed-in user');
  return { userId: user.id, name: user.name, email: user.email, ip: request.ip || null };
}

/** One field's change: before → after; `hidden` for a secret, whose values are never written. */
export interface Change {
  field: string;
  before: string;
  after: string;
  hidden?: boolean;
}

export interface AuditEntry {
  /** A stable name such as `member.level_changed`; the admin page gives it words. */
  action: string;
  /** One sentence for the list, e.g. "Changed the level of Ana Ruiz". */
  summary: string;
  subject?: { type: string; id?: number | null; label: string };
  /** The person the action concerns, so a member's page can show its history of admin changes. */
  person?: { userId: number; name: string } | null;
  changes?: Change[];
}

/** Long values (a page's text, an e-mail template) are cut: the log says what changed, not a full copy. */
const MAX_VALUE = 1000;
const cut = (v: string) => (v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE)}…` : v);

/**
 * Write one entry in the caller's transaction. Without an actor (a member's own action, a
 * background job, a test calling the service directly) nothing is written: the log is of admins'
 * and Stripe's actions, and routes pass the actor for each admin action.
 */
export async function recordAudit(executor: Executor, by: AuditBy | undefined, at: string, entry: AuditEntry): Promise<void> {
  if (!by) return;
  const actor =
    by === STRIPE
      ? { actor_kind: 'stripe' as const, actor_user_id: null, actor_name: 'Stripe', actor_email: '', ip: null }
      : { actor_kind: 'user' as const, actor_user_id: by.userId, actor_name: by.name, actor_email: by.email, ip: by.ip };
  const changes = (entry.changes ?? []).map((c) =>
    c.hidden ? { field: c.field, before: '', after: '', hidden: true } : { field: c.field, before: cut(c.before), after: cut(c.after) },
  );
  await executor
    .insertInto('audit_log')
    .values({
      created_at: at,
      ...actor,
      action: entry.action,
      summary: entry.summary,
      subject_type: entry.subject?.type ?? null,
      subject_id: entry.subject?.id ?? null,
      subject_label: entry.subject?.label ?? '',
      person_user_id: entry.person?.userId ?? null,
      person_name: entry.person?.name ?? null,
      changes: JSON.stringify(changes),
    })
    .execute();
}

type Shown = string | number | boolean | null | undefined;
const show = (v: Shown) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));

/**
 * The fields that differ between two versions of a record, in the order of `labels` (field →
 * words shown). Fields named in `secret` say only that they changed.
 */
export function changesOf<T extends object>(
  before: object,
  after: Partial<T>,
  labels: Partial<Record<keyof T & string, string>>,
  options: { secret?: (keyof T & string)[]; format?: Partial<Record<keyof T & string, (v: Shown) => string>> } = {},
): Change[] {
  const out: Change[] = [];
  for (const [key, field] of Object.entries(labels) as [keyof T & string, string][]) {
    const format = options.format?.[key] ?? show;
    const a = format((before as Partial<T>)[key] as Shown);
    const b = format(after[key] as Shown);
    if (a === b) continue;
    out.push(options.secret?.includes(key) ? { field, before: '', after: '', hidden: true } : { field, before: a, after: b });
  }
  return out;
}

/** The stored changes of an entry, for the page and the CSV file. */
export function parseChanges(json: string): Change[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as Change[]) : [];
  } catch {
    return [];
  }
}
