import { addMs, iso, MINUTE } from '#core/clock.js';
import type { Executor } from '#core/db/index.js';
import * as q from './queries.js';

/** One limit an attempt is counted against: at most `max` attempts under `key` within `windowMs`. */
export interface AttemptLimit {
  key: string;
  max: number;
  windowMs: number;
}

export type CountedAttempt = { ok: true; ids: Map<string, number> } | { ok: false; minutes: number };

/**
 * Counts one attempt against each limit before anything is checked, as one atomic step across
 * requests and app processes: the attempt's rows are committed first, then each window is
 * counted, so of attempts made at once the k-th to commit counts at least k and no more than
 * `max` get past. An attempt over any limit is taken back, so hammering a paused key does not
 * lengthen its pause (decision 0019). The rows of an attempt let through stay: the caller clears
 * them when the attempt succeeds. Used by log-in, reset e-mails and two-factor codes.
 */
export async function countAttempt(db: Executor, now: Date, limits: AttemptLimit[]): Promise<CountedAttempt> {
  const rows = await q.recordAttempts(
    db,
    limits.map((l) => l.key),
    iso(now),
  );
  const ids = new Map(rows.map((r) => [r.key, r.id]));
  let minutes = 0;
  for (const limit of limits) {
    const recent = await q.recentAttempts(db, limit.key, iso(addMs(now, -limit.windowMs)), limit.max + 1);
    if (recent.length <= limit.max) continue;
    // The key may try again when the max-th newest of the other attempts leaves the window.
    const others = recent.filter((r) => r.id !== ids.get(limit.key));
    const unlock = new Date(others[limit.max - 1]!.created_at).getTime() + limit.windowMs;
    minutes = Math.max(minutes, Math.ceil((unlock - now.getTime()) / MINUTE), 1);
  }
  if (minutes === 0) return { ok: true, ids };
  await q.withdrawAttempts(
    db,
    rows.map((r) => r.id),
  );
  return { ok: false, minutes };
}
