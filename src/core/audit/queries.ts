import type { Db } from '../db/index.js';
import type { AuditLogTable } from '../db/schema.js';

export type AuditRow = Omit<AuditLogTable, 'id'> & { id: number };

export interface AuditFilters {
  /** An admin by user id, or Stripe. */
  actor?: { kind: 'user'; userId: number } | { kind: 'stripe' };
  actions?: string[];
  /** Instants (ISO, UTC): from inclusive, until exclusive. */
  from?: string;
  until?: string;
  personUserId?: number;
}

function filtered(db: Db, f: AuditFilters) {
  let query = db.selectFrom('audit_log');
  if (f.actor?.kind === 'user') query = query.where('actor_kind', '=', 'user').where('actor_user_id', '=', f.actor.userId);
  if (f.actor?.kind === 'stripe') query = query.where('actor_kind', '=', 'stripe');
  if (f.actions) query = f.actions.length ? query.where('action', 'in', f.actions) : query.where('id', '<', 0);
  if (f.from) query = query.where('created_at', '>=', f.from);
  if (f.until) query = query.where('created_at', '<', f.until);
  if (f.personUserId !== undefined) query = query.where('person_user_id', '=', f.personUserId);
  return query;
}

/** Reading the audit log; entries are written only by `recordAudit`, and never changed or deleted. */
export class AuditLog {
  constructor(private db: Db) {}

  /** Newest first. */
  list(filters: AuditFilters, limit: number, offset: number): Promise<AuditRow[]> {
    return filtered(this.db, filters).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  }

  async count(filters: AuditFilters): Promise<number> {
    const row = await filtered(this.db, filters)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Everyone who has an entry, with the name of their latest one (an account since deleted included). */
  async actors(): Promise<{ kind: 'user' | 'stripe'; userId: number | null; name: string; email: string }[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .select(['actor_kind', 'actor_user_id', 'actor_name', 'actor_email', 'id'])
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('audit_log')
          .select((e) => e.fn.max('id').as('id'))
          .groupBy(['actor_kind', 'actor_user_id']),
      )
      .orderBy('actor_name')
      .execute();
    return rows.map((r) => ({ kind: r.actor_kind, userId: r.actor_user_id, name: r.actor_name, email: r.actor_email }));
  }

  /** The name of a person as the latest entry about them gives it. */
  async personName(userId: number): Promise<string | undefined> {
    const row = await this.db.selectFrom('audit_log').select('person_name').where('person_user_id', '=', userId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.person_name ?? undefined;
  }
}
