/**
 * Member import benchmark: prints figures, asserts nothing. Run with
 *   node --import tsx bench/import-stall.ts            (SQLite, a temporary folder)
 *   DATABASE_URL=postgres://… node --import tsx bench/import-stall.ts   (a schema of its own, dropped after)
 *
 * Uploads a file of IMPORT_ROWS members (default 50,000) to a whole site in this process, confirms
 * it and runs the import job, and prints for each phase how long it took and the longest time the
 * event loop was stalled (perf_hooks.monitorEventLoopDelay): the longest any other request of the
 * site would have waited. The goal (issue 7, finding 12) is about 50 ms at most.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from '#test/support/client.js';
import { dialectUnderTest, startTestSite } from '#test/support/site.js';

const ROWS = Number(process.env.IMPORT_ROWS) > 0 ? Number(process.env.IMPORT_ROWS) : 50_000;
const HEADER = 'name,email,level,status,renewal_date,organization,job_title,phone,address_line1,address_line2,city,state,postal_code';
const ADMIN = { email: 'bench-admin@example.org', password: 'a bench admin password', role: 'admin' as const };

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  delay.disable();
  const max = delay.max / 1e6;
  console.log(
    `${name.padEnd(28)} ${String(Math.round(ms)).padStart(7)} ms   longest event-loop stall ${max.toFixed(1).padStart(7)} ms   p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  return result;
}

const site = await startTestSite();
try {
  await site.addUser(ADMIN);
  const board = new Client(site.app);
  await board.logIn(ADMIN.email, ADMIN.password);
  const levels = ['Individual', 'Agency', 'Associate', 'Student or retired'];
  const lines = [HEADER];
  for (let i = 1; i <= ROWS; i++) {
    lines.push(
      `Member ${i},member${i}@example.org,${levels[i % 4]},${i % 10 ? 'active' : 'lapsed'},2027-0${(i % 9) + 1}-15,Utility ${i % 37},Inspector,303-555-${String(i % 10_000).padStart(4, '0')},${i} Main St,,Denver,CO,80202`,
    );
  }
  const csv = Buffer.from(lines.join('\n'));
  // Stalls are wall-clock time: on a machine busy with other work they include time this process was not scheduled.
  console.log(
    `[import benchmark, ${dialectUnderTest}] ${ROWS} rows, ${(csv.length / 1024 / 1024).toFixed(1)} MB; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  await board.get('/admin/members/import');
  const uploaded = await phase('upload and check', () =>
    board.postMultipart('/admin/members/import', { _csrf: board.csrf() }, { file: { name: 'members.csv', type: 'text/csv', body: csv } }),
  );
  const url = uploaded.location;
  if (uploaded.status !== 303 || !url) throw new Error(`upload answered ${uploaded.status}`);
  await board.get(url);
  await phase('confirm', () => board.post(`${url}/confirm`, { _csrf: board.csrf() }));
  await phase('import job', () => site.jobs.runDue());
  const page = await board.get(url);
  console.log(/members were imported/.test(page.body) ? 'import finished' : 'import did NOT finish');
} finally {
  await site.close();
}
