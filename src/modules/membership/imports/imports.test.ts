import { describe, expect, it } from 'vitest';
import { Client, visibleText } from '#test/support/client.js';
import { ADMIN, countUsers, newSiteWithBoard, uploadMembers } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';
import type { Executor } from '#core/db/index.js';
import { LEASE_MS, type JobHandler } from '#core/jobs/index.js';

/**
 * Member imports hold under faults: every cell of the whole file is checked (control characters,
 * broken UTF-8), an import is all or none whatever fails in the middle, an import whose runner
 * died says it is resuming, and other requests are answered while a large import runs.
 */

const HEADER = 'name,email,level,status,renewal_date,organization,job_title,phone,address_line1,address_line2,city,state,postal_code';

function problemsIn(html: string): string[][] {
  const table = /<table class="data">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><\/tr>/g)].map((m) => [visibleText(m[1]!), visibleText(m[2]!), visibleText(m[3]!)]);
}

async function countImported(site: TestSite) {
  const row = await site.database.db
    .selectFrom('membership_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'imported')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** n clean rows; line numbers in the file are the index + 2. */
function rows(n: number, level = (_i: number) => 'Individual') {
  return Array.from(
    { length: n },
    (_, i) => `Member ${i + 1},member${i + 1}@example.org,${level(i + 1)},active,2027-01-31,Utility ${i % 37},Inspector,303-555-0100,${i + 1} Main St,,Denver,CO,80202`,
  );
}

/** Upload and confirm a clean file; returns the import's page address. */
async function confirmed(board: Client, csv: string | Buffer) {
  const url = (await uploadMembers(board, csv)).location!;
  expect(visibleText((await board.get(url)).body)).toContain('ready to import');
  expect((await board.post(`${url}/confirm`, { _csrf: board.csrf() })).status).toBe(303);
  return url;
}

describe('the check reads every cell of the whole file', () => {
  it('reports control characters anywhere (after the first 4 KB too) with their line and column, and imports nothing', async () => {
    const { site, board } = await newSiteWithBoard();
    const lines = [HEADER + ',notes', ...rows(200).map((r) => `${r},`)];
    // Far past the first 4 KB: a zero byte in an organization, a bell in a city, an escape in a column that is not imported.
    lines[120] = lines[120]!.replace('Utility', 'Util\u0000ity');
    lines[150] = lines[150]!.replace(',Denver,', ',Den\u0007ver,');
    lines[180] = `${lines[180]}\u001b[31m`;
    // A quoted cell over two lines, with a DEL on its second line.
    lines[190] = lines[190]!.replace('Inspector', '"Chief\nIns\u007fpector"');
    const csv = lines.join('\n');
    expect(csv.indexOf('\u0000')).toBeGreaterThan(4096);
    const before = await countUsers(site);
    const res = await uploadMembers(board, csv);
    expect(res.status).toBe(303);
    const page = await board.get(res.location!);
    expect(visibleText(page.body)).toContain('Nothing was imported. The file has 4 problems in its 200 rows.');
    expect(problemsIn(page.body)).toEqual([
      [
        '121',
        'organization',
        'Character 5 of this cell is an invisible control character, U+0000 (a zero byte, NUL), that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.',
      ],
      [
        '151',
        'city',
        'Character 4 of this cell is an invisible control character, U+0007, that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.',
      ],
      [
        '181',
        'notes',
        'Character 1 of this cell is an invisible control character, U+001B, that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.',
      ],
      [
        '192',
        'job_title',
        'Character 4 of this cell is an invisible control character, U+007F, that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.',
      ],
    ]);
    expect(page.body).not.toContain('Confirm: import');
    await site.jobs.runDue();
    expect(await countUsers(site)).toBe(before);
  });

  it('reports a stray zero byte near the top as a bad cell too, not as a file that is not CSV', async () => {
    const { board } = await newSiteWithBoard();
    const res = await uploadMembers(board, `${HEADER}\nAnn\u0000,ann@example.org,Individual,active,2027-01-31\n`);
    expect(problemsIn((await board.get(res.location!)).body)).toEqual([
      [
        '2',
        'name',
        'Character 4 of this cell is an invisible control character, U+0000 (a zero byte, NUL), that has no place in text. Delete it in the spreadsheet (it often comes from copying out of another program) and save the file again.',
      ],
    ]);
  });

  it('reports bytes that are not valid UTF-8 in a UTF-8 file, and still reads a Windows-1252 file', async () => {
    const { site, board } = await newSiteWithBoard();
    const good = Buffer.from(`${HEADER}\nJosé Núñez,jose@example.org,Individual,active,2027-01-31,Ville de Québec\n`, 'utf8');
    // A name saved by another program in Latin-1: é as the single byte E9.
    const bad = Buffer.concat([Buffer.from('Ren'), Buffer.from([0xe9]), Buffer.from(',rene@example.org,Individual,active,2027-01-31\n')]);
    const page = await board.get((await uploadMembers(board, Buffer.concat([good, bad]))).location!);
    expect(problemsIn(page.body)).toEqual([
      ['3', 'name', 'Character 4 of this cell is not valid UTF-8 text (shown as “\uFFFD”). Save the file again from the spreadsheet as “CSV UTF-8” and upload it again.'],
    ]);

    const latin1 = Buffer.from(`${HEADER}\nRené Dupré,rene@example.org,Individual,active,2027-01-31\n`, 'latin1');
    await confirmed(board, latin1);
    await site.jobs.runDue();
    expect((await site.accounts.findUserByEmail('rene@example.org'))?.name).toBe('René Dupré');
  });
});

describe('an import is all or none', () => {
  it('takes back every member it added when a row fails in the middle (an address taken meanwhile), and says why', async () => {
    const { site, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(1200)].join('\n'));
    // After the confirmation, someone gets an account with the address of line 1,101 (long after the first members are in).
    await site.addUser({ email: 'member1100@example.org', password: 'another long password', membership: false });
    const before = await countUsers(site);

    await site.jobs.runDue();
    const page = await board.get(url);
    const text = visibleText(page.body);
    expect(text).toContain('Not imported: someone got an account with an address in the file while it was being imported.');
    expect(text).toContain('Nothing from this file was imported');
    expect(problemsIn(page.body)).toEqual([['1101', 'email', 'Someone got an account with this e-mail address while the file was being imported.']]);
    expect(page.body).toContain('Upload a corrected file');
    expect(await countUsers(site)).toBe(before);
    expect(await countImported(site)).toBe(0);
    expect(await site.accounts.findUserByEmail('member1@example.org')).toBeUndefined();
    // The progress bar does not claim a part was imported.
    expect((await board.get(`${url}/progress`)).body).toContain('Not imported: 0 of 1200');
  });

  it('takes everything back when the database refuses a row (a level deleted meanwhile), and imports all on a retry', async () => {
    const { site, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(1200, (i) => (i > 1000 ? 'Associate' : 'Individual'))].join('\n'));
    const db = site.database.db;
    const associate = await db.selectFrom('membership_levels').selectAll().where('name', '=', 'Associate').executeTakeFirstOrThrow();
    await db.deleteFrom('membership_levels').where('id', '=', associate.id).execute();
    const before = await countUsers(site);

    await site.jobs.runDue();
    const failed = await board.get(url);
    expect(visibleText(failed.body)).toContain('Not imported:');
    expect(visibleText(failed.body)).toContain('Nothing from this file was imported');
    expect(await countUsers(site)).toBe(before);
    expect(await countImported(site)).toBe(0);

    // The cause is put right; the admin tries again and every row is imported.
    await db.insertInto('membership_levels').values(associate).execute();
    const retried = await board.post(`${url}/confirm`, { _csrf: board.csrf() });
    expect(retried.status).toBe(303);
    await site.jobs.runDue();
    expect(visibleText((await board.get(url)).body)).toContain('1200 members were imported.');
    expect(await countImported(site)).toBe(1200);
    expect(await countUsers(site)).toBe(before + 1200);
  });
});

describe('an import whose runner stopped', () => {
  it('says it is resuming once the lease lapsed, then goes on to the end', async () => {
    const { site, clock, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(3)].join('\n'));
    // A process claimed the import and was killed before it finished.
    await site.database.db
      .updateTable('jobs')
      .set({ locked_by: 'killed-process#1', locked_until: new Date(clock.now().getTime() + LEASE_MS).toISOString(), attempts: 1 })
      .where('type', '=', 'membership.import')
      .execute();
    await site.database.db.updateTable('member_import_batches').set({ status: 'running' }).execute();
    const resuming = 'Resuming — the process running this import stopped; it will go on shortly.';

    expect(visibleText((await board.get(url)).body)).not.toContain(resuming);
    await site.jobs.runDue();
    expect(visibleText((await board.get(url)).body)).toContain('Importing members: 0 of 3');

    clock.advance(LEASE_MS + 1000);
    expect(visibleText((await board.get(url)).body)).toContain(resuming);
    expect(visibleText((await board.get(`${url}/progress`)).body)).toContain(resuming);

    await site.jobs.runDue();
    const done = visibleText((await board.get(url)).body);
    expect(done).toContain('3 members were imported.');
    expect(done).not.toContain(resuming);
  });
});

/**
 * Wrap the import job's `fence` as the runner sees it, so a test can act at a chosen call (the
 * n-th, counted from 1) in the transaction it is called in.
 */
function onFence(site: TestSite, act: (call: number, executor: Executor, real: (executor: Executor) => Promise<void>) => Promise<void>) {
  const handlers = (site.jobs as unknown as { handlers: Map<string, { handler: JobHandler }> }).handlers;
  const registered = handlers.get('membership.import')!;
  const original = registered.handler;
  let calls = 0;
  registered.handler = (payload, job) => original(payload, { ...job, fence: (executor) => act(++calls, executor, job.fence) });
}

async function batchOf(site: TestSite, url: string) {
  const id = Number(/(\d+)$/.exec(url)![1]);
  const batch = await site.database.db.selectFrom('member_import_batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const staged = await site.database.db
    .selectFrom('member_import_rows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('batch_id', '=', id)
    .executeTakeFirstOrThrow();
  return { status: batch.status, staged: Number(staged.n) };
}

describe('an import whose runner lost its lease', () => {
  it('changes nothing when that runner then meets an error: no take-back, no "failed", and the runner that took over imports every row', async () => {
    const { site, clock, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(300)].join('\n'));
    const postgres = site.database.dialect === 'postgres';
    const takeOver = (executor: Executor) =>
      executor
        .updateTable('jobs')
        .set({ locked_by: 'new-runner#2', locked_until: new Date(clock.now().getTime() + LEASE_MS).toISOString(), attempts: 2 })
        .where('type', '=', 'membership.import')
        .execute();
    // The runner's heartbeats failed for a minute and another runner took the job over; the
    // runner's next statement fails with a database error (SQLite: busy; PostgreSQL: a lost
    // connection), not with LeaseLost.
    onFence(site, async (call, executor, real) => {
      if (postgres && call === 1) {
        // The import's transaction is about to commit; the job was taken over meanwhile.
        await takeOver(site.database.db);
        throw new Error('Connection terminated unexpectedly');
      }
      if (!postgres && call === 2) {
        // After its first chunk: the take-over commits with this chunk (the new runner's view).
        await real(executor);
        await takeOver(executor);
        return;
      }
      if (!postgres && call === 3) throw new Error('SQLITE_BUSY: database is locked');
      await real(executor);
    });
    const before = await countUsers(site);

    await site.jobs.runDue();
    // As the new runner left it: still running, the members published so far still there.
    const published = postgres ? 0 : 200;
    expect(await batchOf(site, url)).toEqual({ status: 'running', staged: 300 });
    expect(await countImported(site)).toBe(published);
    expect(await countUsers(site)).toBe(before + published);
    expect(visibleText((await board.get(url)).body)).not.toContain('Not imported');
    const job = await site.database.db.selectFrom('jobs').selectAll().where('type', '=', 'membership.import').executeTakeFirstOrThrow();
    expect(job).toMatchObject({ locked_by: 'new-runner#2', attempts: 2, done_at: null, failed_at: null });

    // The new runner stops in turn; the job is taken over again and the import goes on to the end.
    clock.advance(LEASE_MS + 1000);
    await site.jobs.runDue();
    expect(visibleText((await board.get(url)).body)).toContain('300 members were imported.');
    expect(await countImported(site)).toBe(300);
    expect(await countUsers(site)).toBe(before + 300);
  });

  it('never finishes a batch that stopped being running: its members are not kept and its staged rows stay', async () => {
    const { site, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(150)].join('\n'));
    const postgres = site.database.dialect === 'postgres';
    // Just before the status change to done, the batch is no longer running (e.g. marked failed by
    // a runner that had lost the job, before take-backs were fenced).
    onFence(site, async (call, executor, real) => {
      await real(executor);
      if (call === (postgres ? 1 : 4)) {
        await executor.updateTable('member_import_batches').set({ status: 'failed', failure: 'marked failed elsewhere' }).execute();
      }
    });
    const before = await countUsers(site);

    await site.jobs.runDue();
    expect(await batchOf(site, url)).toEqual({ status: 'failed', staged: 150 });
    expect(await countImported(site)).toBe(0);
    expect(await countUsers(site)).toBe(before);
    expect(visibleText((await board.get(url)).body)).not.toContain('members were imported');
  });
});

describe('other requests while a large import runs', () => {
  it('answers a page request while the import is still under way', { timeout: 120_000 }, async () => {
    const { site, board } = await newSiteWithBoard();
    const url = await confirmed(board, [HEADER, ...rows(5000)].join('\n'));
    const batchId = Number(/(\d+)$/.exec(url)![1]);
    let importFinished = false;
    const running = site.jobs.runDue().then(() => (importFinished = true));
    // Once the first members are in, a visitor asks for a page: it is answered before the import ends.
    for (let i = 0; i < 2000; i++) {
      const batch = await site.database.db.selectFrom('member_import_batches').select(['done']).where('id', '=', batchId).executeTakeFirstOrThrow();
      if (batch.done > 0 || importFinished) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const visitor = await new Client(site.app).get('/');
    expect(visitor.status).toBe(200);
    expect(importFinished).toBe(false);
    await running;
    expect(visibleText((await board.get(url)).body)).toContain('5000 members were imported.');
  });
});

describe('the audit log', () => {
  it('records who confirmed an import, from where, and how many members it holds', async () => {
    const { site, board } = await newSiteWithBoard();
    await confirmed(board, [HEADER, ...rows(3)].join('\n'));
    const entries = await site.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'members.imported').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_kind: 'user', actor_name: ADMIN.name, actor_email: ADMIN.email, ip: '127.0.0.1' });
    expect(entries[0]!.summary).toContain('3 members');
    // The admin's page of the log shows it.
    expect(visibleText((await board.get('/admin/audit')).body)).toContain('Confirmed the import of 3 members');
  });
});
