import { PostgresAdapter, type Transaction } from 'kysely';
import { recordAudit, type Actor } from '#core/audit/index.js';
import { addMs, DAY, iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import type { DB } from '#core/db/schema.js';
import { LeaseLost, type JobRun, type Jobs } from '#core/jobs/index.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import type { MemberImportStatus } from '../tables.js';
import { formatDate } from '#core/views/render.js';
import type { AccountsService } from '#modules/accounts/index.js';
import * as iq from './queries.js';
import { decodeCsv, notCsvReason, parseImport, slicer, type ImportProblem, type ImportRow } from './csv.js';
import { fieldQueries as fq } from '../fields/index.js';
import { lifecycleQueries as q } from '../lifecycle/index.js';
import { STATUS_LABELS } from '../lifecycle/index.js';

export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
/**
 * Rows per statement and per short transaction. SQLite runs in this thread, so a chunk of its
 * work stalls every request until it ends: 100 rows is about 10–20 ms. PostgreSQL works in its
 * own process while this one serves requests.
 */
const SQLITE_CHUNK = 100;
const POSTGRES_CHUNK = 500;
const IMPORT_JOB = 'membership.import';

declare module '#core/jobs/index.js' {
  interface JobPayloads {
    /** Publish a confirmed import batch (member_import_batches.id). */
    'membership.import': { batchId: number };
    'membership.import-cleanup': null;
  }
}

export interface ImportView {
  batch: NonNullable<iq.ImportBatchRow>;
  problems: ImportProblem[];
  ignoredColumns: string[];
  byLevel: { name: string; n: number }[];
  /** The runner of this import stopped (its lease lapsed); another takes it over shortly. */
  resuming: boolean;
}

/** A row of the file can no longer be imported (someone got its address meanwhile): the import is taken back. */
class RowsRefused extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super('Some rows can no longer be imported');
  }
}

/**
 * Importing members from a CSV file: the file is checked into a batch (every problem, or its rows
 * staged, waiting for the admin to confirm); nothing is imported while any problem exists.
 * Confirming hands the batch to the `membership.import` job, which imports every row or none
 * (docs/decisions/0013-member-import.md, 0020-job-leases.md): on PostgreSQL in one transaction;
 * on SQLite, whose one writer a long transaction would hold for seconds, in short transactions,
 * taking back what it added when a row fails. Checking and importing work in slices that let other
 * requests run in between.
 */
export class MemberImports {
  private postgres: boolean;
  private chunk: number;

  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private jobs: Jobs,
    private accounts: AccountsService,
  ) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    this.chunk = this.postgres ? POSTGRES_CHUNK : SQLITE_CHUNK;
    // A failing import takes itself back and says why on its page (the admin tries again); the job
    // is retried only when even that failed, and a retry goes on with the import.
    jobs.register(IMPORT_JOB, (payload, job) => this.publish(payload.batchId, job), { maxAttempts: 5 });
    jobs.register('membership.import-cleanup', async () => {
      await iq.deleteAbandonedImports(this.db, iso(addMs(this.clock.now(), -7 * DAY)));
    });
    jobs.every('membership.import-cleanup', DAY);
  }

  /**
   * Check an uploaded file and keep it as a batch: its problems (then nothing can be imported), or
   * its rows, waiting for the admin to confirm. Errors about the upload itself come back on `file`.
   */
  async check(bytes: Buffer | undefined, actorUserId: number): Promise<Outcome<number>> {
    if (!bytes) return refused({ file: 'Choose the CSV file to import.' });
    if (bytes.length > MAX_IMPORT_BYTES) return refused({ file: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files.` });
    const notCsv = notCsvReason(bytes);
    if (notCsv) return refused({ file: bytes.length === 0 ? 'Choose the CSV file to import.' : notCsv });
    const [levels, fields, settings] = await Promise.all([q.listLevels(this.db), fq.listFields(this.db), this.state.getSettings()]);
    const parsed = await parseImport(decodeCsv(bytes), { levels, fields, timeZone: settings.timeZone });
    const breathe = slicer();
    const problems = [...parsed.problems];
    let rows = parsed.rows;
    // Addresses that already have an account (a member, an applicant, an admin).
    const taken = new Set<string>();
    for (let i = 0; i < rows.length; i += this.chunk) {
      for (const address of await this.accounts.existingEmails(
        this.db,
        rows.slice(i, i + this.chunk).map((r) => r.email),
      ))
        taken.add(address);
      await breathe();
    }
    if (taken.size > 0) {
      for (const r of rows)
        if (taken.has(r.email))
          problems.push({ line: r.line, column: 'email', message: 'There is already an account with this e-mail address (a member, an applicant or an admin).' });
      rows = rows.filter((r) => !taken.has(r.email));
    }
    const order = (c: string) => ['', 'name', 'email', 'level', 'status', 'renewal_date'].indexOf(c) >>> 0;
    problems.sort((a, b) => a.line - b.line || order(a.column) - order(b.column));
    const now = iso(this.clock.now());
    const { id } = await iq.insertImportBatch(this.db, {
      status: problems.length ? 'invalid' : 'checking',
      total: parsed.total,
      error_count: problems.length,
      errors: JSON.stringify(problems),
      ignored_columns: JSON.stringify(parsed.ignoredColumns),
      created_by: actorUserId,
      now,
    });
    if (problems.length > 0) return ok(id);
    // The rows are staged a chunk at a time (nothing else reads them), so no request waits behind a long write.
    try {
      for (let i = 0; i < rows.length; i += this.chunk) {
        await iq.insertImportRows(
          this.db,
          rows.slice(i, i + this.chunk).map((r) => ({ batch_id: id, line: r.line, email: r.email, level_id: r.level_id, data: JSON.stringify(r) })),
        );
        await breathe();
      }
      await iq.moveImportBatch(this.db, id, ['checking'], { status: 'ready', updated_at: iso(this.clock.now()) });
    } catch (err) {
      await this.db.deleteFrom('member_import_batches').where('id', '=', id).execute();
      throw err;
    }
    return ok(id);
  }

  /** The member fields, whose columns (csv.ts `fieldColumn`) a file may have. */
  fields = () => fq.listFields(this.db);

  async view(batchId: number): Promise<ImportView | undefined> {
    const batch = await iq.findImportBatch(this.db, batchId);
    if (!batch) return undefined;
    const byLevel = batch.status === 'ready' ? (await iq.importRowsByLevel(this.db, batchId)).map((r) => ({ name: r.name, n: Number(r.n) })) : [];
    const resuming = (batch.status === 'queued' || batch.status === 'running') && (await this.jobs.lapsed(IMPORT_JOB, { batchId: batch.id }));
    return { batch, problems: JSON.parse(batch.errors) as ImportProblem[], ignoredColumns: JSON.parse(batch.ignored_columns) as string[], byLevel, resuming };
  }

  /**
   * The admin confirmed a checked file (or tries a failed import again): check once more what may
   * have changed since (a new account with one of the addresses, an archived level), then hand
   * the rows to the import job.
   */
  async confirm(batchId: number, actorUserId: number, by?: Actor): Promise<Outcome<null>> {
    const batch = await iq.findImportBatch(this.db, batchId);
    const from: MemberImportStatus[] = ['ready', 'failed'];
    const rowsLeft = batch?.status === 'failed' ? (await iq.nextImportRows(this.db, batchId, 1)).length > 0 : true;
    if (!batch || !from.includes(batch.status) || !rowsLeft) return refused({ form: 'This file was already imported, cancelled or found to have problems.' });
    const now = iso(this.clock.now());
    const problems: ImportProblem[] = [
      ...(await iq.importRowsWithAccounts(this.db, batchId)).map((r) => ({
        line: r.line,
        column: 'email',
        message: 'Since the preview, someone got an account with this e-mail address.',
      })),
      ...(await iq.importRowsWithArchivedLevel(this.db, batchId)).map((r) => ({
        line: r.line,
        column: 'level',
        message: `Since the preview, the level “${r.name}” was archived.`,
      })),
    ].sort((a, b) => a.line - b.line);
    if (problems.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        if (await iq.moveImportBatch(trx, batchId, from, { status: 'invalid', error_count: problems.length, errors: JSON.stringify(problems), failure: null, updated_at: now })) {
          await iq.deleteAllImportRows(trx, batchId);
        }
      });
      return refused({ form: 'Nothing was imported: something changed since the preview. Correct the rows listed and upload the file again.' });
    }
    const started = await this.db.transaction().execute(async (trx) => {
      const moved = await iq.moveImportBatch(trx, batchId, from, {
        status: 'queued',
        done: 0,
        error_count: 0,
        errors: '[]',
        failure: null,
        finished_at: null,
        confirmed_by: actorUserId,
        confirmed_at: now,
        updated_at: now,
      });
      if (!moved) return false;
      // Confirming twice cannot queue twice: only one confirmation moves the batch out of ready.
      await this.jobs.enqueue(trx, IMPORT_JOB, { batchId });
      await recordAudit(trx, by, now, {
        action: 'members.imported',
        summary: `Confirmed the import of ${batch.total} ${batch.total === 1 ? 'member' : 'members'} from a CSV file (import ${batchId})`,
        subject: { type: 'member_import', id: batchId, label: `Import ${batchId}` },
      });
      return true;
    });
    if (!started) return refused({ form: 'This file was already imported, cancelled or found to have problems.' });
    this.jobs.kick();
    return ok(null);
  }

  async cancel(batchId: number): Promise<Outcome<null>> {
    const now = iso(this.clock.now());
    const cancelled = await this.db.transaction().execute(async (trx) => {
      if (!(await iq.moveImportBatch(trx, batchId, ['ready', 'invalid'], { status: 'cancelled', updated_at: now }))) return false;
      await iq.deleteAllImportRows(trx, batchId);
      return true;
    });
    return cancelled ? ok(null) : refused({ form: 'This import can no longer be cancelled.' });
  }

  /**
   * The import job: every staged row becomes a member, or none does. A crash leaves the batch
   * `running`; the job is taken over when its lease lapses and goes on (SQLite: from the first row
   * not yet published; PostgreSQL: from the start, the transaction having rolled back). Any other
   * failure takes back what was added and marks the batch `failed`: "not imported", with why.
   */
  private async publish(batchId: number, job: JobRun) {
    const batch = await iq.findImportBatch(this.db, batchId);
    if (!batch || (batch.status !== 'queued' && batch.status !== 'running')) return;
    await iq.moveImportBatch(this.db, batchId, ['queued'], { status: 'running', updated_at: iso(this.clock.now()) });
    const levels = new Map((await q.listLevels(this.db)).map((l) => [l.id, l.name]));
    const { timeZone } = await this.state.getSettings();
    const context = { batchId, actorUserId: batch.confirmed_by, levels, timeZone, job, breathe: slicer() };
    try {
      if (this.postgres) {
        // Other requests go on meanwhile (PostgreSQL writes rows, not the whole database); the
        // progress is written outside the transaction so the page can show it.
        await iq.setImportProgress(this.db, batchId, 0, iso(this.clock.now()));
        await this.db.transaction().execute(async (trx) => {
          let done = 0;
          for (let n; (n = await this.publishChunk(trx, context)) > 0;) {
            done += n;
            await iq.setImportProgress(this.db, batchId, done, iso(this.clock.now()));
          }
          await job.fence(trx);
          await this.finish(trx, batchId, done);
        });
      } else {
        // One transaction would hold SQLite's only writer (and this process's connection) for
        // seconds: short transactions instead, each fenced by the job's lease.
        // Between two chunks the connection is free for the requests waiting for it.
        while ((await this.db.transaction().execute((trx) => this.publishChunk(trx, context))) > 0) await new Promise((resolve) => setImmediate(resolve));
        await this.db.transaction().execute(async (trx) => {
          await job.fence(trx);
          await this.finish(trx, batchId, await iq.countPublishedRows(trx, batchId));
        });
      }
    } catch (err) {
      // Another runner has the job now and finishes it; what was committed is its to go on from.
      if (err instanceof LeaseLost || job.signal.aborted) throw err;
      await this.takeBack(batchId, err, job);
    }
  }

  /** Called in a transaction fenced by the job's lease. */
  private async finish(trx: Transaction<DB>, batchId: number, done: number) {
    const now = iso(this.clock.now());
    // A batch no longer running (marked failed meanwhile) is not finished: its transaction rolls
    // back, its staged rows stay, and on SQLite what was published is taken back.
    if (!(await iq.moveImportBatch(trx, batchId, ['running'], { status: 'done', done, finished_at: now, updated_at: now }))) {
      throw new Error(`Import ${batchId} is no longer running: it was not finished`);
    }
    // No copy of the file's personal data outlives the import.
    await iq.deleteAllImportRows(trx, batchId);
  }

  /**
   * Nothing of a failed import stays: the members it added are removed, the batch says why. Every
   * step is fenced by the job's lease: a runner that lost the job (its heartbeats failed, say) and
   * then met an error must not remove members or mark the batch failed while the runner that took
   * the job over goes on publishing; `LeaseLost` goes up to the job runner, and nothing changes.
   */
  private async takeBack(batchId: number, err: unknown, job: JobRun) {
    if (!this.postgres) {
      for (;;) {
        const removed = await this.db.transaction().execute(async (trx) => {
          await job.fence(trx);
          const rows = await iq.nextImportRows(trx, batchId, this.chunk, 1);
          await this.accounts.deleteImportedAccounts(
            trx,
            rows.map((r) => r.email),
          );
          if (rows.length)
            await iq.markImportRows(
              trx,
              rows.map((r) => r.id),
              0,
            );
          return rows.length;
        });
        if (removed === 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const now = iso(this.clock.now());
    const problems = err instanceof RowsRefused ? err.problems : [];
    const failure =
      err instanceof RowsRefused
        ? 'someone got an account with an address in the file while it was being imported'
        : (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await this.db.transaction().execute(async (trx) => {
      await job.fence(trx);
      await iq.moveImportBatch(trx, batchId, ['queued', 'running'], {
        status: 'failed',
        done: 0,
        error_count: problems.length,
        errors: JSON.stringify(problems),
        failure,
        finished_at: now,
        updated_at: now,
      });
    });
  }

  /** Create the members of the next staged rows (at most this.chunk); returns how many (0 when none were left). */
  private async publishChunk(
    trx: Executor,
    c: { batchId: number; actorUserId: number | null; levels: Map<number, string>; timeZone: string; job: JobRun; breathe: () => Promise<void> },
  ): Promise<number> {
    if (this.postgres) await c.breathe();
    else await c.job.fence(trx);
    const now = iso(this.clock.now());
    const stored = await iq.nextImportRows(trx, c.batchId, this.chunk);
    if (stored.length === 0) return 0;
    const rows = stored.map((s) => JSON.parse(s.data) as ImportRow);
    const taken = new Set(
      await this.accounts.existingEmails(
        trx,
        rows.map((r) => r.email),
      ),
    );
    if (taken.size > 0) {
      throw new RowsRefused(
        rows
          .filter((r) => taken.has(r.email))
          .map((r) => ({ line: r.line, column: 'email', message: 'Someone got an account with this e-mail address while the file was being imported.' })),
      );
    }
    const users = await this.accounts.createImportedAccounts(
      trx,
      rows.map((r) => ({ email: r.email, name: r.name })),
    );
    const userIds = new Map(users.map((u) => [u.email, u.id]));
    const memberships = await q.insertImportedMemberships(
      trx,
      rows.map((r) => ({
        user_id: userIds.get(r.email)!,
        level_id: r.level_id,
        status: r.status,
        organization: r.organization,
        job_title: r.job_title,
        phone: r.phone,
        address_line1: r.address_line1,
        address_line2: r.address_line2,
        city: r.city,
        region: r.region,
        postal_code: r.postal_code,
        // A member before the import: a later payment renews rather than welcomes.
        started_at: now,
        expires_at: r.expires_at,
        now,
      })),
    );
    const membershipIds = new Map(memberships.map((m) => [m.user_id, m.id]));
    const membershipOf = (r: ImportRow) => membershipIds.get(userIds.get(r.email)!)!;
    // Member field values, checked at the preview; a field deleted since then is left out.
    const fieldIds = new Set((await fq.listFields(trx)).map((f) => f.id));
    await fq.insertValues(
      trx,
      rows.flatMap((r) => (r.field_values ?? []).filter((v) => fieldIds.has(v.field_id)).map((v) => ({ membership_id: membershipOf(r), field_id: v.field_id, value: v.value }))),
    );
    await iq.insertEvents(
      trx,
      rows.map((r) => ({
        membership_id: membershipOf(r),
        kind: 'imported',
        detail: `Imported from a CSV file (import ${c.batchId}, line ${r.line}): ${c.levels.get(r.level_id) ?? 'level'}, ${STATUS_LABELS[r.status].toLowerCase()}${r.expires_at ? `, renewal date ${formatDate(r.expires_at, c.timeZone)}` : ''}.`,
        actor_user_id: c.actorUserId,
        created_at: now,
      })),
    );
    await iq.markImportRows(
      trx,
      stored.map((s) => s.id),
      1,
    );
    if (!this.postgres) await iq.addImported(trx, c.batchId, stored.length, now);
    return stored.length;
  }
}
