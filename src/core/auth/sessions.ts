import { addMs, DAY, HOUR, iso, type Clock } from '../clock.js';
import type { Db } from '../db/index.js';
import { prepared } from '../db/prepared.js';
import { randomToken, sha256 } from '../secrets.js';

export const SESSION_COOKIE = 'hw_session';
export const SESSION_TTL_MS = 30 * DAY;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'member';
}

/**
 * Sessions live in the database, so several app processes share them. The cookie holds a random
 * token; the table holds only its hash, so a copy of the database cannot be used to log in.
 */
/** Every signed-in request runs this, hence compiled once. */
const sessionById = prepared((db, v: { id: string; now: string }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.last_seen_at', 'users.id as user_id', 'users.email', 'users.name', 'users.role'])
    .where('sessions.id', '=', v.id)
    .where('sessions.expires_at', '>', v.now),
);

export class Sessions {
  constructor(
    private db: Db,
    private clock: Clock,
  ) {}

  async create(userId: number, userAgent: string | undefined): Promise<string> {
    const token = randomToken();
    const now = this.clock.now();
    await this.db
      .insertInto('sessions')
      .values({
        id: sha256(token),
        user_id: userId,
        created_at: iso(now),
        last_seen_at: iso(now),
        expires_at: iso(addMs(now, SESSION_TTL_MS)),
        user_agent: userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    return token;
  }

  async load(token: string): Promise<{ id: string; user: SessionUser } | null> {
    const id = sha256(token);
    const now = this.clock.now();
    const [row] = await sessionById(this.db, { id, now: iso(now) });
    if (!row) return null;
    // Sliding expiry, written at most once an hour per session rather than on every request.
    if (now.getTime() - new Date(row.last_seen_at).getTime() > HOUR) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: iso(now), expires_at: iso(addMs(now, SESSION_TTL_MS)) })
        .where('id', '=', id)
        .execute();
    }
    return { id, user: { id: row.user_id, email: row.email, name: row.name, role: row.role } };
  }

  async destroy(token: string) {
    await this.db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
  }

  /** Log a user out everywhere, except (optionally) the session they are using now. */
  async destroyAllFor(userId: number, exceptSessionId?: string) {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
    await q.execute();
  }

  async purgeExpired() {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', iso(this.clock.now())).execute();
  }
}
