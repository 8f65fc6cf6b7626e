import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { addMs, DAY, HOUR, iso, MINUTE, type Clock } from '../clock.js';
import type { Executor } from '../db/index.js';
import type { DB } from '../db/schema.js';

const SECOND = 1000;
/** What a handler knows of the run it is in. */
export interface JobRun {
  id: number;
  attempt: number;
  /**
   * Call inside the transaction that commits the job's effect: it renews the lease and throws
   * `LeaseLost` when another runner took the job over (this runner stalled past its lease), so
   * the effect is never committed by two runners.
   */
  fence(executor: Executor): Promise<void>;
  /** Aborted when a heartbeat finds the lease taken over: stop work, commit nothing. */
  signal: AbortSignal;
}

/**
 * Every job's name and the payload it carries. Core names none of the modules' jobs: each module
 * (and each core part) adds its own where it registers them, by declaration merging:
 *
 *     declare module '../../core/jobs/index.js' {
 *       interface JobPayloads {
 *         'membership.import': { batchId: number };
 *       }
 *     }
 *
 * so `register`, `enqueue` and `lapsed` are checked by the compiler against it. A recurring job
 * (`every`) carries `null`. A payload is stored as JSON: plain data only.
 */
export interface JobPayloads {
  'jobs.cleanup': null;
}
export type JobName = keyof JobPayloads;
/** The jobs that can run on a schedule: those without a payload. */
export type RecurringJobName = { [N in JobName]: JobPayloads[N] extends null ? N : never }[JobName];
export type JobHandler<N extends JobName = JobName> = (payload: JobPayloads[N], job: JobRun) => Promise<void>;

/** This runner's lease on a job lapsed and another runner claimed it. */
export class LeaseLost extends Error {
  constructor(id: number) {
    super(`Job ${id} was taken over by another runner after its lease lapsed`);
    this.name = 'LeaseLost';
  }
}

interface Registered {
  /** Given the payload as stored: the JSON its own `enqueue` wrote. */
  handler: (payload: unknown, job: JobRun) => Promise<void>;
  maxAttempts: number;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** A second job with the same key is silently not added (e.g. one reminder per member per cycle). */
  dedupeKey?: string;
  maxAttempts?: number;
}

/**
 * A claimed job is this runner's for LEASE_MS; while it runs, a heartbeat renews the lease every
 * HEARTBEAT_MS, so a job whose runner died is taken over within about a minute, while a long job
 * (an import) keeps it for as long as it is alive (docs/decisions/0020-job-leases.md).
 */
export const LEASE_MS = MINUTE;
export const HEARTBEAT_MS = 15 * SECOND;
const BATCH = 20;

/** Wait before retry n (1-based): 30 s, 1 min, 2 min … capped at 6 h. */
export const backoffMs = (attempt: number) => Math.min(30_000 * 2 ** (attempt - 1), 6 * HOUR);

/**
 * Durable jobs in the database. A job is a row written in the caller's transaction, so it exists
 * only if that transaction commits. Workers claim a job with a conditional UPDATE (a lease), so
 * when several processes run jobs at once each job runs in one of them; a failed job is retried
 * with back-off until max_attempts, then kept as failed for an admin to see.
 */
export class Jobs {
  private handlers = new Map<string, Registered>();
  private recurring = new Map<RecurringJobName, number>();
  private timer: NodeJS.Timeout | undefined;
  private kickTimer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  readonly workerId = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

  constructor(
    private db: Kysely<DB>,
    private clock: Clock,
  ) {
    this.register('jobs.cleanup', async () => {
      await this.db
        .deleteFrom('jobs')
        .where('done_at', '<', iso(addMs(this.clock.now(), -14 * DAY)))
        .execute();
    });
    this.every('jobs.cleanup', DAY);
  }

  private log: FastifyBaseLogger | undefined;

  setLogger(log: FastifyBaseLogger) {
    this.log = log;
  }

  register<N extends JobName>(type: N, handler: JobHandler<N>, options: { maxAttempts?: number } = {}) {
    this.handlers.set(type, { handler: handler as Registered['handler'], maxAttempts: options.maxAttempts ?? 8 });
  }

  /** Run `type` once per interval (aligned to the epoch), whichever process gets there first. */
  every(type: RecurringJobName, intervalMs: number) {
    this.recurring.set(type, intervalMs);
  }

  async enqueue<N extends JobName>(executor: Executor, type: N, payload: JobPayloads[N], options: EnqueueOptions = {}) {
    const registered = this.handlers.get(type);
    if (!registered) throw new Error(`No job handler for "${type}"`);
    const now = this.clock.now();
    await executor
      .insertInto('jobs')
      .values({
        type,
        payload: JSON.stringify(payload ?? null),
        dedupe_key: options.dedupeKey ?? null,
        run_at: iso(options.runAt ?? now),
        attempts: 0,
        max_attempts: options.maxAttempts ?? registered.maxAttempts,
        created_at: iso(now),
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }

  private async scheduleRecurring(now: Date) {
    for (const [type, interval] of this.recurring) {
      const slot = Math.floor(now.getTime() / interval) * interval;
      await this.enqueue(this.db, type, null, { runAt: new Date(slot), dedupeKey: `${type}@${new Date(slot).toISOString()}` });
    }
  }

  /** Run every job that is due now, until none is left; returns how many ran and failed. */
  async runDue(): Promise<{ ran: number; failed: number }> {
    let ran = 0;
    let failed = 0;
    await this.scheduleRecurring(this.clock.now());
    for (;;) {
      const now = iso(this.clock.now());
      const due = await this.db
        .selectFrom('jobs')
        .select(['id', 'type', 'payload', 'attempts', 'max_attempts'])
        .where('done_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('run_at', '<=', now)
        // Only jobs this process can run (during a rolling upgrade, an older process may not know a new type).
        .where('type', 'in', [...this.handlers.keys()])
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('run_at')
        .orderBy('id')
        .limit(BATCH)
        .execute();
      if (due.length === 0) break;
      let claimedAny = false;
      for (const job of due) {
        const token = await this.claim(job.id, job.attempts);
        if (!token) continue;
        claimedAny = true;
        const ok = await this.runOne({ ...job, attempts: job.attempts + 1 }, token);
        ran += 1;
        if (!ok) failed += 1;
      }
      if (!claimedAny) break;
    }
    return { ran, failed };
  }

  /**
   * Take a job for this runner; returns the lease's token, or null when another runner got it. The
   * token names this runner and this attempt, so a runner that comes back after its lease was
   * taken over (even by itself, in a later pass) no longer holds it.
   */
  private async claim(id: number, attempts: number): Promise<string | null> {
    const now = this.clock.now();
    const token = `${this.workerId}#${attempts + 1}`;
    const result = await this.db
      .updateTable('jobs')
      .set({ locked_until: iso(addMs(now, LEASE_MS)), locked_by: token, attempts: attempts + 1 })
      .where('id', '=', id)
      .where('attempts', '=', attempts)
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso(now))]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? token : null;
  }

  /** Renew a lease this runner holds; false when it no longer holds it. */
  private async renew(executor: Executor, id: number, token: string): Promise<boolean> {
    const result = await executor
      .updateTable('jobs')
      .set({ locked_until: iso(addMs(this.clock.now(), LEASE_MS)) })
      .where('id', '=', id)
      .where('locked_by', '=', token)
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private underWay = new Map<number, { token: string; lost: AbortController }>();

  /** Renew the lease of every job this runner has under way (the heartbeat; tests call it directly). */
  async heartbeat(): Promise<void> {
    for (const [id, run] of this.underWay) {
      if (run.lost.signal.aborted) continue;
      try {
        if (!(await this.renew(this.db, id, run.token))) run.lost.abort(new LeaseLost(id));
      } catch (err) {
        // A database hiccup: the next beat tries again; the lease still has most of its time left.
        this.log?.warn({ job: id, err }, 'job heartbeat failed');
      }
    }
  }

  private async runOne(job: { id: number; type: string; payload: string; attempts: number; max_attempts: number }, token: string) {
    const registered = this.handlers.get(job.type);
    const lost = new AbortController();
    this.underWay.set(job.id, { token, lost });
    const beat = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    beat.unref();
    const fence = async (executor: Executor) => {
      if (lost.signal.aborted || !(await this.renew(executor, job.id, token))) {
        if (!lost.signal.aborted) lost.abort(new LeaseLost(job.id));
        throw new LeaseLost(job.id);
      }
    };
    try {
      if (!registered) throw new Error(`No job handler for "${job.type}"`);
      await registered.handler(JSON.parse(job.payload), { id: job.id, attempt: job.attempts, fence, signal: lost.signal });
      await this.db
        .updateTable('jobs')
        .set({ done_at: iso(this.clock.now()), locked_until: null, last_error: null })
        .where('id', '=', job.id)
        .where('locked_by', '=', token)
        .execute();
      return true;
    } catch (err) {
      if (err instanceof LeaseLost || lost.signal.aborted) {
        // Another runner has the job now: its record is theirs to write.
        this.log?.warn({ job: job.id, type: job.type }, 'job lease lost to another runner');
        return false;
      }
      const message = err instanceof Error ? err.message : String(err);
      const now = this.clock.now();
      const giveUp = job.attempts >= job.max_attempts;
      this.log?.warn({ job: job.id, type: job.type, attempt: job.attempts, err: message }, giveUp ? 'job failed for good' : 'job failed, will retry');
      await this.db
        .updateTable('jobs')
        .set({
          last_error: message.slice(0, 2000),
          locked_until: null,
          ...(giveUp ? { failed_at: iso(now) } : { run_at: iso(addMs(now, backoffMs(job.attempts))) }),
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', token)
        .execute();
      return false;
    } finally {
      clearInterval(beat);
      this.underWay.delete(job.id);
    }
  }

  /**
   * Whether a job of this type and payload, not finished, was claimed and its lease lapsed: its
   * runner stopped (a crash, a restart), and another runner will take it over shortly.
   */
  async lapsed<N extends JobName>(type: N, payload: JobPayloads[N]): Promise<boolean> {
    return !!(await this.lapsedJobs(type)
      .where('payload', '=', JSON.stringify(payload ?? null))
      .executeTakeFirst());
  }

  /** Unfinished jobs of a type whose lease ran out before they finished: the one meaning of "lapsed". */
  private lapsedJobs(type: JobName) {
    return this.db
      .selectFrom('jobs')
      .select(['payload'])
      .where('type', '=', type)
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('locked_until', '<', iso(this.clock.now()));
  }

  /**
   * The payloads of the unfinished jobs of a type whose runner stopped (their lease lapsed), so a
   * list can say which of its items are resuming; at most `limit`.
   */
  async lapsedPayloads<N extends JobName>(type: N, limit = 500): Promise<JobPayloads[N][]> {
    const rows = await this.lapsedJobs(type).limit(limit).execute();
    return rows.map((r) => JSON.parse(r.payload) as JobPayloads[N]);
  }

  /** One pass at a time per process; overlapping calls wait for the pass under way. */
  private tick() {
    if (!this.running) {
      this.running = this.runDue()
        .catch((err) => this.log?.error({ err }, 'job runner failed'))
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }

  /** Ask the runner to look for work soon (after a commit that wrote jobs). */
  kick() {
    if (!this.timer || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      void this.tick();
    }, 10);
  }

  start(intervalMs: number) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop() {
    clearInterval(this.timer);
    clearTimeout(this.kickTimer);
    this.timer = undefined;
    await this.running;
  }
}
