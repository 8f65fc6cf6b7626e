import { addMs, DAY, iso, type Clock } from '../../core/clock.js';
import type { Db } from '../../core/db/index.js';
import type { Jobs } from '../../core/jobs/index.js';
import { ok, refused, type Outcome } from '../../core/result.js';
import type { SiteState } from '../../core/settings.js';
import { formatDate } from '../../core/views/render.js';
import type { AccountsService } from '../accounts/service.js';
import * as aq from './admin-queries.js';
import { decodeCsv, notCsvReason, parseImport, type ImportProblem, type ImportRow } from './csv.js';
import * as fq from './fields-queries.js';
import * as q from './queries.js';
import { STATUS_LABELS } from './service.js';

export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
/** Rows per transaction of an import; each step (one job) runs up to STEP_CHUNKS chunks or for about STEP_MS, then hands over. */
const CHUNK = 500;
const STEP_CHUNKS = 4;
const STEP_MS = 1500;
const IMPORT_JOB = 'membership.import';
const IMPORT_ATTEMPTS = 5;

export interface ImportView {
  batch: NonNullable<aq.ImportBatchRow>;
  problems: ImportProblem[];
  ignoredColumns: string[];
  byLevel: { name: string; n: number }[];
}

/**
 * Importing members from a CSV file: the file is checked into a batch (every problem, or its rows
 * waiting for the admin to confirm); nothing is imported while any problem exists. Confirming hands
 * the rows to the `membership.import` job, which imports them in chunks and chained steps, so the
 * progress can be watched and other jobs are not held up (docs/decisions/0013-member-import.md).
 */
export class MemberImports {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private jobs: Jobs,
    private accounts: AccountsService,
  ) {
    jobs.register(IMPORT_JOB, (payload: { batchId: number }, job) => this.step(payload.batchId, job.attempt), { maxAttempts: IMPORT_ATTEMPTS });
    jobs.register('membership.import-cleanup', async () => {
      await aq.deleteAbandonedImports(this.db, iso(addMs(this.clock.now(), -7 * DAY)));
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
    const parsed = parseImport(decodeCsv(bytes), { levels, fields, timeZone: settings.timeZone });
    const problems = [...parsed.problems];
    let rows = parsed.rows;
    // Addresses that already have an account (a member, an applicant, an admin).
    const taken = new Set<string>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      for (const address of await this.accounts.existingEmails(this.db, rows.slice(i, i + CHUNK).map((r) => r.email))) taken.add(address);
    }
    if (taken.size > 0) {
      for (const r of rows) if (taken.has(r.email)) problems.push({ line: r.line, column: 'email', message: 'There is already an account with this e-mail address (a member, an applicant or an admin).' });
      rows = rows.filter((r) => !taken.has(r.email));
    }
    const order = (c: string) => ['', 'name', 'email', 'level', 'status', 'renewal_date'].indexOf(c) >>> 0;
    problems.sort((a, b) => a.line - b.line || order(a.column) - order(b.column));
    const now = iso(this.clock.now());
    const id = await this.db.transaction().execute(async (trx) => {
      const { id } = await aq.insertImportBatch(trx, {
        status: problems.length ? 'invalid' : 'ready',
        total: parsed.total,
        error_count: problems.length,
        errors: JSON.stringify(problems),
        ignored_columns: JSON.stringify(parsed.ignoredColumns),
        created_by: actorUserId,
        now,
      });
      if (problems.length === 0) {
        for (let i = 0; i < rows.length; i += CHUNK) {
          await aq.insertImportRows(
            trx,
            rows.slice(i, i + CHUNK).map((r) => ({ batch_id: id, line: r.line, email: r.email, level_id: r.level_id, data: JSON.stringify(r) })),
          );
        }
      }
      return id;
    });
    return ok(id);
  }

  /** The member fields, whose columns (csv.ts `fieldColumn`) a file may have. */
  fields = () => fq.listFields(this.db);

  async view(batchId: number): Promise<ImportView | undefined> {
    const batch = await aq.findImportBatch(this.db, batchId);
    if (!batch) return undefined;
    const byLevel = batch.status === 'ready' ? (await aq.importRowsByLevel(this.db, batchId)).map((r) => ({ name: r.name, n: Number(r.n) })) : [];
    return { batch, problems: JSON.parse(batch.errors) as ImportProblem[], ignoredColumns: JSON.parse(batch.ignored_columns) as string[], byLevel };
  }

  /**
   * The admin confirmed a checked file: check once more what may have changed since (a new
   * account with one of the addresses, an archived level), then hand the rows to the import job.
   */
  async confirm(batchId: number, actorUserId: number): Promise<Outcome<null>> {
    const batch = await aq.findImportBatch(this.db, batchId);
    if (!batch || batch.status !== 'ready') return refused({ form: 'This file was already imported, cancelled or found to have problems.' });
    const now = iso(this.clock.now());
    const problems: ImportProblem[] = [
      ...(await aq.importRowsWithAccounts(this.db, batchId)).map((r) => ({ line: r.line, column: 'email', message: 'Since the preview, someone got an account with this e-mail address.' })),
      ...(await aq.importRowsWithArchivedLevel(this.db, batchId)).map((r) => ({ line: r.line, column: 'level', message: `Since the preview, the level “${r.name}” was archived.` })),
    ].sort((a, b) => a.line - b.line);
    if (problems.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        if (await aq.moveImportBatch(trx, batchId, ['ready'], { status: 'invalid', error_count: problems.length, errors: JSON.stringify(problems), updated_at: now })) {
          await trx.deleteFrom('member_import_rows').where('batch_id', '=', batchId).execute();
        }
      });
      return refused({ form: 'Nothing was imported: something changed since the preview. Correct the rows listed and upload the file again.' });
    }
    const started = await this.db.transaction().execute(async (trx) => {
      if (!(await aq.moveImportBatch(trx, batchId, ['ready'], { status: 'queued', confirmed_by: actorUserId, confirmed_at: now, updated_at: now }))) return false;
      await this.jobs.enqueue(trx, IMPORT_JOB, { batchId }, { dedupeKey: `${IMPORT_JOB}:${batchId}:start` });
      return true;
    });
    if (!started) return refused({ form: 'This file was already imported, cancelled or found to have problems.' });
    this.jobs.kick();
    return ok(null);
  }

  async cancel(batchId: number): Promise<Outcome<null>> {
    const now = iso(this.clock.now());
    const cancelled = await this.db.transaction().execute(async (trx) => {
      if (!(await aq.moveImportBatch(trx, batchId, ['ready', 'invalid'], { status: 'cancelled', updated_at: now }))) return false;
      await trx.deleteFrom('member_import_rows').where('batch_id', '=', batchId).execute();
      return true;
    });
    return cancelled ? ok(null) : refused({ form: 'This import can no longer be cancelled.' });
  }

  /** One step of an import job: a few chunks of rows, then the next step as a new job (so e-mail jobs are not held up behind a large file). */
  private async step(batchId: number, attempt: number) {
    try {
      const batch = await aq.findImportBatch(this.db, batchId);
      if (!batch || (batch.status !== 'queued' && batch.status !== 'running')) return;
      if (batch.status === 'queued') await aq.moveImportBatch(this.db, batchId, ['queued'], { status: 'running', updated_at: iso(this.clock.now()) });
      const levels = new Map((await q.listLevels(this.db)).map((l) => [l.id, l.name]));
      const { timeZone } = await this.state.getSettings();
      const stop = performance.now() + STEP_MS;
      for (let chunk = 0; chunk < STEP_CHUNKS && performance.now() < stop; chunk++) {
        if ((await this.chunk(batchId, batch.confirmed_by, levels, timeZone)) < CHUNK) break;
      }
      const [next] = await aq.nextImportRows(this.db, batchId, 1);
      if (next) await this.jobs.enqueue(this.db, IMPORT_JOB, { batchId }, { dedupeKey: `${IMPORT_JOB}:${batchId}:${next.id}` });
      else await aq.moveImportBatch(this.db, batchId, ['running'], { status: 'done', finished_at: iso(this.clock.now()), updated_at: iso(this.clock.now()) });
    } catch (err) {
      if (attempt >= IMPORT_ATTEMPTS) {
        const message = err instanceof Error ? err.message : String(err);
        await aq.moveImportBatch(this.db, batchId, ['queued', 'running'], { status: 'failed', failure: message.slice(0, 500), finished_at: iso(this.clock.now()), updated_at: iso(this.clock.now()) });
      }
      throw err;
    }
  }

  /** Import the next rows of a batch (at most CHUNK) in one transaction; returns how many it took (0 when none were left). */
  private async chunk(batchId: number, actorUserId: number | null, levels: Map<number, string>, timeZone: string): Promise<number> {
    const now = iso(this.clock.now());
    return this.db.transaction().execute(async (trx) => {
      const stored = await aq.nextImportRows(trx, batchId, CHUNK);
      if (stored.length === 0) return 0;
      const rows = stored.map((s) => JSON.parse(s.data) as ImportRow);
      // An address that got an account after the confirmation is skipped and reported, not imported twice.
      const taken = new Set(await this.accounts.existingEmails(trx, rows.map((r) => r.email)));
      const fresh = rows.filter((r) => !taken.has(r.email));
      if (fresh.length > 0) {
        const users = await this.accounts.createImportedAccounts(trx, fresh.map((r) => ({ email: r.email, name: r.name })));
        const userIds = new Map(users.map((u) => [u.email, u.id]));
        const memberships = await aq.insertImportedMemberships(
          trx,
          fresh.map((r) => ({
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
        // Member field values, checked at the preview; a field deleted since then is left out.
        const fieldIds = new Set((await fq.listFields(trx)).map((f) => f.id));
        await fq.insertValues(
          trx,
          fresh.flatMap((r) =>
            (r.field_values ?? []).filter((v) => fieldIds.has(v.field_id)).map((v) => ({ membership_id: membershipIds.get(userIds.get(r.email)!)!, field_id: v.field_id, value: v.value })),
          ),
        );
        await aq.insertEvents(
          trx,
          fresh.map((r) => ({
            membership_id: membershipIds.get(userIds.get(r.email)!)!,
            kind: 'imported',
            detail: `Imported from a CSV file (import ${batchId}, line ${r.line}): ${levels.get(r.level_id) ?? 'level'}, ${STATUS_LABELS[r.status].toLowerCase()}${r.expires_at ? `, renewal date ${formatDate(r.expires_at, timeZone)}` : ''}.`,
            actor_user_id: actorUserId,
            created_at: now,
          })),
        );
      }
      const skipped = rows.filter((r) => taken.has(r.email));
      if (skipped.length > 0) {
        const batch = (await aq.findImportBatch(trx, batchId))!;
        const problems = (JSON.parse(batch.errors) as ImportProblem[]).concat(
          skipped.map((r) => ({ line: r.line, column: 'email', message: 'Not imported: someone got an account with this e-mail address while the file was being imported.' })),
        );
        await aq.moveImportBatch(trx, batchId, ['running'], { error_count: problems.length, errors: JSON.stringify(problems), updated_at: now });
      }
      await aq.deleteImportRows(trx, stored.map((s) => s.id));
      await aq.addImported(trx, batchId, fresh.length, now);
      return stored.length;
    });
  }
}
