import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import os from 'node:os';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Headworks } from '#src/app.js';
import { hashPassword } from '#core/auth/passwords.js';
import { dependencyOrder } from '#core/backup/format.js';
import { migrationProvider } from '#core/db/migrations/index.js';
import { Client, visibleText } from './support/client.js';
import { cli, dropPlaces, freshPlace, openSite, type Place } from './support/cli.js';
import { dialectUnderTest } from './support/site.js';

/**
 * Backup and restore through the command line, on the database under test: a site with content
 * is backed up while it is open and being written to, restored into a fresh database and data
 * folder, and compared table by table and file by file; then the refusals.
 */

afterEach(dropPlaces);

const MEMBER = { email: 'pat@example.org', password: 'correct horse battery staple' };
// The smallest PNG: eight signature bytes and a few chunks are enough for the logo check.
const LOGO = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a tiny logo, not a real image')]);

/** Every table's rows, in a stable order, as the restored site reads them. */
async function tables(hw: Headworks): Promise<Record<string, unknown[]>> {
  const db = hw.database.db;
  const names =
    hw.database.dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(db)).rows
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'`.execute(
            db,
          )
        ).rows;
  const out: Record<string, unknown[]> = {};
  for (const { name } of names.sort((a, b) => a.name.localeCompare(b.name))) {
    const columns = (await sql<Record<string, unknown>>`select * from ${sql.table(name)} limit 1`.execute(db)).rows[0];
    const order = columns
      ? Object.keys(columns)
          .map((_, i) => String(i + 1))
          .join(', ')
      : '1';
    out[name] = (await sql.raw<Record<string, unknown>>(`select * from "${name}" order by ${order}`).execute(db)).rows;
  }
  return out;
}

/** The data folder's files and their bytes (the SQLite database is copied through SQLite). */
function files(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dataDir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (!/^headworks\.sqlite/.test(entry.name)) out[name] = fs.readFileSync(path.join(dataDir, name)).toString('base64');
    }
  };
  walk('');
  return out;
}

/** A site with some of everything: a member with a membership, an invoice and its payment, a logo, sessions, jobs, a bundle. */
async function siteWithContent(place: Place, options: { manyMembers?: boolean } = {}) {
  const hw = await openSite(place);
  const db = hw.database.db;
  const now = hw.clock.now().toISOString();
  const level = await db.selectFrom('membership_levels').select('id').orderBy('position').executeTakeFirstOrThrow();
  const user = await db
    .insertInto('users')
    .values({ email: MEMBER.email, name: 'Pat Lee', role: 'member', password_hash: await hashPassword(MEMBER.password), created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const contact = {
    organization: 'Metro Wastewater',
    job_title: 'Coordinator',
    phone: '',
    address_line1: '1 Main St',
    address_line2: '',
    city: 'Denver',
    region: 'CO',
    postal_code: '80202',
  };
  const membership = await db
    .insertInto('memberships')
    .values({
      user_id: user.id,
      level_id: level.id,
      status: 'active',
      ...contact,
      started_at: now,
      expires_at: now,
      auto_renew: 0,
      bundle_id: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A dues invoice, linked to the membership as the membership module does.
  const invoice = await db.transaction().execute(async (trx) => {
    const issued = await hw.billing.createInvoice(trx, {
      userId: user.id,
      billTo: 'Pat Lee\nMetro Wastewater',
      lines: [{ description: 'Dues', quantity: 1, unitCents: 5000 }],
      dueAt: new Date(),
    });
    await trx.insertInto('membership_invoices').values({ invoice_id: issued.id, membership_id: membership.id, period_start: now, period_end: now }).execute();
    return issued;
  });
  expect((await hw.billing.recordPayment(invoice.id, { method: 'check', amountCents: 5000, reference: 'Check 1042', actorUserId: null })).ok).toBe(true);

  // A person covered by a bundle made after them: a row that refers forward in its own table.
  const covered = await db
    .insertInto('users')
    .values({ email: 'sam@example.org', name: 'Sam Roe', role: 'member', password_hash: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const coveredMembership = await db
    .insertInto('memberships')
    .values({
      user_id: covered.id,
      level_id: level.id,
      status: 'active',
      ...contact,
      started_at: now,
      expires_at: now,
      auto_renew: 0,
      bundle_id: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Enough people between them that the bundle is loaded in a later batch than the member it covers.
  const fillers = await db
    .insertInto('users')
    .values(
      Array.from({ length: options.manyMembers ? 520 : 1 }, (_, i) => ({
        email: `filler${i}@example.org`,
        name: `Filler ${i}`,
        role: 'member' as const,
        password_hash: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .returning('id')
    .execute();
  for (let i = 0; i < fillers.length; i += 200) {
    await db
      .insertInto('memberships')
      .values(
        fillers.slice(i, i + 200).map((f) => ({
          user_id: f.id,
          level_id: level.id,
          status: 'active' as const,
          ...contact,
          started_at: now,
          expires_at: now,
          auto_renew: 0,
          bundle_id: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  const agency = await db
    .insertInto('users')
    .values({ email: 'agency@example.org', name: 'Agency Contact', role: 'member', password_hash: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const bundle = await db
    .insertInto('memberships')
    .values({
      user_id: agency.id,
      level_id: level.id,
      status: 'active',
      ...contact,
      started_at: now,
      expires_at: now,
      auto_renew: 0,
      bundle_id: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('memberships').set({ bundle_id: bundle.id }).where('id', '=', coveredMembership.id).execute();

  await db.insertInto('member_privacy').values({ membership_id: membership.id, listed: 1, show_email: 0, show_phone: 0, show_address: 0, updated_at: now }).execute();
  // The directory's derived tables filled and nothing left to re-index: a restore must not add any.
  expect(await hw.membership.directory.refresh()).toBeGreaterThan(0);
  expect(await db.selectFrom('directory_dirty').selectAll().execute()).toEqual([]);

  const settings = await hw.state.getSettings();
  const saved = await hw.admin.saveSettings(
    {
      associationName: settings.associationName,
      shortName: settings.shortName,
      tagline: settings.tagline,
      contactEmail: settings.contactEmail,
      timeZone: settings.timeZone,
      removeLogo: false,
      requireAdminTwoFactor: false,
    },
    LOGO,
  );
  expect(saved.ok).toBe(true);
  await hw.mailer.queue(db, { to: MEMBER.email, subject: 'Dues reminder', text: 'Your dues are due.' });
  const browser = new Client(hw.app);
  expect((await browser.logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
  return { hw, browser };
}

/** Pairs of rows written in one transaction each, in two tables, until stopped. */
function keepWriting(hw: Headworks) {
  let stop = false;
  let n = 0;
  const done = (async () => {
    while (!stop) {
      n += 1;
      const now = hw.clock.now().toISOString();
      await hw.database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('pages')
          .values({ slug: `w-${n}`, title: `W ${n}`, description: '', body_md: '', body_html: '', visibility: 'public', menu_order: null, created_at: now, updated_at: now })
          .execute();
        await trx
          .insertInto('news_posts')
          .values({ slug: `w-${n}`, title: `W ${n}`, summary: '', body_md: '', body_html: '', visibility: 'public', published_at: null, created_at: now, updated_at: now })
          .execute();
      });
      await new Promise((r) => setTimeout(r, 2));
    }
    return n;
  })();
  return async () => {
    stop = true;
    return done;
  };
}

/** Rewrite a backup's lines (decompressed), as a damaged or edited file would be. */
/**
 * The schema (table → columns) before the newest migration, read from a scratch SQLite database
 * migrated that far, with each table's foreign keys (the tables it refers to), and the newest
 * migration's name: what an older version's backup holds.
 */
async function schemaBeforeNewestMigration(): Promise<{ newest: string; tables: Map<string, string[]>; references: Map<string, Set<string>> }> {
  const names = Object.keys(await migrationProvider('sqlite').getMigrations()).sort();
  const newest = names.at(-1)!;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-older-'));
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path.join(folder, 'older.sqlite')) }) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo(names.at(-2)!);
    if (error) throw error;
    const tables = new Map<string, string[]>();
    const references = new Map<string, Set<string>>();
    for (const t of await db.introspection.getTables()) {
      tables.set(
        t.name,
        t.columns.map((c) => c.name),
      );
      references.set(t.name, new Set((await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${t.name})`.execute(db)).rows.map((r) => r.table)));
    }
    return { newest, tables, references };
  } finally {
    await db.destroy();
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

function editBackup(file: string, edit: (lines: string[]) => string[]) {
  const lines = zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  fs.writeFileSync(file, zlib.gzipSync(`${edit(lines).join('\n')}\n`));
}

async function backUp(place: Place, folder: string) {
  const res = await cli(['backup', folder], place.env);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const file = /^Backup written to (\S+) /m.exec(res.stdout)?.[1];
  expect(file).toBeDefined();
  return file!;
}

describe('backup and restore', { timeout: 300_000 }, () => {
  it('backs up a running site being written to, and restores it whole into a fresh database and data folder', async () => {
    const source = await freshPlace();
    const { hw, browser } = await siteWithContent(source, { manyMembers: true });
    const stopWriting = keepWriting(hw);
    let res: Awaited<ReturnType<typeof cli>>;
    try {
      res = await cli(['backup', source.dataDir], source.env);
    } finally {
      expect(await stopWriting()).toBeGreaterThan(0);
    }
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Backup written to .*headworks-backup-\d{8}-\d{6}\.jsonl\.gz \(\d+ KB\): \d+ rows in \d+ tables, \d+ files of the data folder\.$/m);
    const file = /^Backup written to (\S+) /m.exec(res.stdout)![1]!;
    // Only administrators may read it (password hashes, the cookie secret); no half file is left.
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(source.dataDir).filter((f) => f.includes('partial'))).toEqual([]);

    const before = await tables(hw);
    const sourceFiles = files(source.dataDir);
    await hw.close();

    const target = await freshPlace();
    const restored = await cli(['restore', file], target.env);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`Restored ${file} (made `);
    expect(restored.stdout).toContain(`on ${dialectUnderTest}) into the ${dialectUnderTest} database:`);
    expect(restored.stdout).toContain('You can start the site.');

    const copy = await openSite(target);
    try {
      const after = await tables(copy);
      // One snapshot: every pair written in one transaction is in the backup whole, or not at all.
      const pageSlugs = (after.pages as { slug: string }[]).map((p) => p.slug).filter((s) => s.startsWith('w-'));
      const newsSlugs = (after.news_posts as { slug: string }[]).map((p) => p.slug).filter((s) => s.startsWith('w-'));
      expect(newsSlugs.sort()).toEqual(pageSlugs.sort());
      // Every table as it was (the writes going on after the snapshot are the only difference).
      expect(Object.keys(after)).toEqual(Object.keys(before));
      for (const table of Object.keys(before)) {
        if (table === 'pages' || table === 'news_posts') {
          const keep = (rows: unknown[]) => rows.filter((r) => !(r as { slug: string }).slug.startsWith('w-') || pageSlugs.includes((r as { slug: string }).slug));
          expect(after[table], table).toEqual(keep(before[table]!));
        } else {
          expect(after[table], table).toEqual(before[table]);
        }
      }
      expect((after.invoices as unknown[]).length).toBe(1);
      expect((after.payments as unknown[]).length).toBe(1);
      expect((after.sessions as unknown[]).length).toBe(1);
      expect((after.jobs as unknown[]).length).toBeGreaterThan(0);
      // The data folder's files: logo, secrets, … byte for byte.
      const copied = files(target.dataDir);
      expect(Object.keys(copied)).toEqual(expect.arrayContaining(['secrets.json', expect.stringMatching(/^uploads\/logo-\w+\.png$/)]));
      expect(copied).toEqual(Object.fromEntries(Object.entries(sourceFiles).filter(([name]) => !name.startsWith('headworks-backup-'))));

      // The member logs in on the restored site with their password; the session from before
      // still works, since the sessions and the cookie secret came along.
      const member = new Client(copy.app);
      expect((await member.logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
      const again = new Client(copy.app);
      for (const [k, v] of browser.cookies) again.cookies.set(k, v);
      expect(visibleText((await again.get('/account')).body)).toContain('Pat Lee');
      const logo = (await copy.state.getSettings()).logo;
      expect((await new Client(copy.app).get(`/uploads/${logo}`)).status).toBe(200);

      // New rows get new ids and the next invoice number.
      const user = await copy.accounts.findUserByEmail(MEMBER.email);
      const next = await copy.database.db
        .transaction()
        .execute((trx) =>
          copy.billing.createInvoice(trx, { userId: user!.id, billTo: 'Pat Lee', lines: [{ description: 'Workshop', quantity: 1, unitCents: 2500 }], dueAt: new Date() }),
        );
      expect(next.number).toBe(Math.max(...(after.invoices as { number: number }[]).map((i) => i.number)) + 1);
      expect(next.id).toBe(Math.max(...(after.invoices as { id: number }[]).map((i) => i.id)) + 1);
      const page = await copy.database.db
        .insertInto('pages')
        .values({
          slug: 'after-restore',
          title: 'After',
          description: '',
          body_md: '',
          body_html: '',
          visibility: 'public',
          menu_order: null,
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(page.id).toBe(Math.max(...(after.pages as { id: number }[]).map((p) => p.id)) + 1);
    } finally {
      await copy.close();
    }
  });

  it('moves a SQLite site to the database under test', async () => {
    const source = await freshPlace('sqlite');
    const { hw } = await siteWithContent(source);
    const before = await tables(hw);
    await hw.close();
    const file = await backUp(source, source.dataDir);

    const target = await freshPlace();
    const restored = await cli(['restore', file], target.env);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`on sqlite) into the ${dialectUnderTest} database:`);
    const copy = await openSite(target);
    try {
      expect(await tables(copy)).toEqual(before);
      expect((await new Client(copy.app).logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
    } finally {
      await copy.close();
    }
  });

  it('writes the default name in the current folder, and lists both commands in its help', async () => {
    const place = await freshPlace();
    await (await openSite(place)).close();
    const folder = fs.mkdtempSync(path.join(place.dataDir, 'out-'));
    const res = await cli(['backup'], place.env, folder);
    expect(res.code).toBe(0);
    const names = fs.readdirSync(folder);
    expect(names).toEqual([expect.stringMatching(/^headworks-backup-\d{8}-\d{6}\.jsonl\.gz$/)]);
    expect(res.stdout).toContain(path.join(folder, names[0]!));

    const help = await cli(['help'], place.env);
    expect(help.stdout).toContain('backup [file or folder]');
    expect(help.stdout).toContain('restore <file> [--force]');
    expect(help.stdout).toContain('stop the site first');
  });

  it('leaves no file behind when there is nothing to back up', async () => {
    const place = await freshPlace();
    const folder = fs.mkdtempSync(path.join(place.dataDir, 'out-'));
    const res = await cli(['backup', folder], place.env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/nothing to back up\.$/m);
    expect(fs.readdirSync(folder)).toEqual([]);
    expect(fs.existsSync(path.join(place.dataDir, 'headworks.sqlite'))).toBe(false);
  });

  describe('refuses, and leaves the database as it was', () => {
    /** A backup of a small site, and a target site with content of its own. */
    async function backupAndTarget() {
      const source = await freshPlace();
      const { hw } = await siteWithContent(source);
      await hw.close();
      const file = await backUp(source, source.dataDir);
      const target = await freshPlace();
      const site = await openSite(target);
      await site.database.db.updateTable('pages').set({ title: 'Kept as it was' }).where('slug', '=', 'about').execute();
      const before = await tables(site);
      await site.close();
      const unchanged = async () => {
        const again = await openSite(target);
        try {
          expect(await tables(again)).toEqual(before);
        } finally {
          await again.close();
        }
      };
      return { file, target, unchanged };
    }

    it('a database that has content, unless --force is given', async () => {
      const { file, target, unchanged } = await backupAndTarget();
      const res = await cli(['restore', file], target.env);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain('The database already has content (rows in ');
      expect(res.stderr).toContain('run the restore again with --force');
      expect(res.stderr).toContain('Nothing was changed.');
      await unchanged();

      const forced = await cli(['restore', file, '--force'], target.env);
      expect(forced.stderr).toBe('');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(/Replaced what was there before \(\d+ rows; --force\)/);
      const site = await openSite(target);
      try {
        expect(await site.accounts.findUserByEmail(MEMBER.email)).toBeDefined();
        expect((await site.database.db.selectFrom('pages').select('title').where('slug', '=', 'about').executeTakeFirstOrThrow()).title).not.toBe('Kept as it was');
      } finally {
        await site.close();
      }
    });

    it('a damaged or cut file, even with --force', async () => {
      const { file, target, unchanged } = await backupAndTarget();
      const cut = `${file}.cut.gz`;
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const res = await cli(['restore', cut, '--force'], target.env);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`The backup file ${cut} is damaged or incomplete: it is cut short. Nothing was changed.`);
      await unchanged();

      // Cut at a line's end, inside a whole gzip file: the missing end line tells.
      fs.copyFileSync(file, cut);
      editBackup(cut, (lines) => lines.slice(0, Math.floor(lines.length / 2)));
      const short = await cli(['restore', cut, '--force'], target.env);
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('is damaged or incomplete');
      await unchanged();
    });

    it('a file whose rows cannot all be loaded: all or nothing', async () => {
      const { file, target, unchanged } = await backupAndTarget();
      // A second user with the same address, at the end of the users: the load fails half-way.
      editBackup(file, (lines) => {
        const start = lines.findIndex((l) => l.startsWith('{"table":"users"'));
        const end = lines.findIndex((l) => l.startsWith('{"table_end":"users"'));
        const row = JSON.parse(lines[start + 1]!) as unknown[];
        row[0] = 9999;
        const count = JSON.parse(lines[end]!) as { rows: number };
        const last = JSON.parse(lines[lines.length - 1]!) as { rows: number };
        return [
          ...lines.slice(0, end),
          JSON.stringify(row),
          JSON.stringify({ ...count, rows: count.rows + 1 }),
          ...lines.slice(end + 1, -1),
          JSON.stringify({ ...last, rows: last.rows + 1 }),
        ];
      });
      const res = await cli(['restore', file, '--force'], target.env);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^The restore stopped: .*\. The database was left as it was\.$/m);
      await unchanged();
      expect(fs.existsSync(path.join(target.dataDir, '.restore-staging'))).toBe(false);
    });

    it('a file from a newer version of Headworks', async () => {
      const { file, target, unchanged } = await backupAndTarget();
      editBackup(file, ([header, ...rest]) => {
        const h = JSON.parse(header!) as { migrations: string[] };
        return [JSON.stringify({ ...h, migrations: [...h.migrations, '9999_from_the_future'] }), ...rest];
      });
      const res = await cli(['restore', file, '--force'], target.env);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('This backup comes from a newer version of Headworks');
      expect(res.stderr).toContain('9999_from_the_future');
      await unchanged();
    });
  });

  it('restores a backup from an older version and brings it up to date', async () => {
    const older = await schemaBeforeNewestMigration();
    const source = await freshPlace();
    const { hw } = await siteWithContent(source);
    await hw.close();
    const file = await backUp(source, source.dataDir);
    // As the version before the newest migration would have written it: without that migration's
    // tables, with the columns it removed from older ones, and its tables in that version's order
    // (parents first by its foreign keys). The newest migration (0014) moved what an invoice is for
    // out of `invoices` (membership_id, purpose, period_start/end) into membership's
    // `membership_invoices`: the older backup has them on the invoices again.
    const linkOf = new Map<unknown, Record<string, unknown>>();
    const olderInvoiceColumns = (row: Record<string, unknown>): Record<string, unknown> => {
      const link = linkOf.get(row.id);
      return { membership_id: link?.membership_id ?? null, purpose: link ? 'dues' : 'other', period_start: link?.period_start ?? null, period_end: link?.period_end ?? null };
    };
    editBackup(file, (lines) => {
      type Block = { table: string; columns: string[]; rows: unknown[][] };
      const blocks = new Map<string, Block>();
      const other: string[] = [];
      let block: Block | null = null;
      for (const line of lines.slice(1, -1)) {
        const record = JSON.parse(line) as unknown;
        if (Array.isArray(record) && block) block.rows.push(record);
        else if (typeof record === 'object' && record !== null && 'table' in record) {
          const { table, columns } = record as { table: string; columns: string[] };
          block = { table, columns, rows: [] };
          blocks.set(table, block);
        } else if (typeof record === 'object' && record !== null && 'table_end' in record) block = null;
        else other.push(line);
      }
      const links = blocks.get('membership_invoices')!;
      for (const row of links.rows) linkOf.set(row[links.columns.indexOf('invoice_id')], Object.fromEntries(links.columns.map((c, i) => [c, row[i]])));

      const h = JSON.parse(lines[0]!) as { migrations: string[] };
      const out = [JSON.stringify({ ...h, migrations: h.migrations.filter((m) => m !== older.newest) })];
      let rows = 0;
      const kept = dependencyOrder(
        [...blocks.keys()].filter((t) => older.tables.has(t)),
        older.references,
      );
      for (const table of kept) {
        const { columns, rows: values } = blocks.get(table)!;
        const known = older.tables.get(table)!;
        const keep = columns.flatMap((c, i) => (known.includes(c) ? [i] : []));
        const added = table === 'invoices' ? Object.keys(olderInvoiceColumns({})) : [];
        out.push(JSON.stringify({ table, columns: [...keep.map((i) => columns[i]), ...added] }));
        for (const row of values) {
          const extra = added.length ? Object.values(olderInvoiceColumns(Object.fromEntries(columns.map((c, i) => [c, row[i]])))) : [];
          out.push(JSON.stringify([...keep.map((i) => row[i]), ...extra]));
        }
        out.push(JSON.stringify({ table_end: table, rows: values.length }));
        rows += values.length;
      }
      const last = JSON.parse(lines[lines.length - 1]!) as object;
      return [...out, ...other, JSON.stringify({ ...last, tables: kept.length, rows })];
    });
    expect(linkOf.size).toBe(1);
    const target = await freshPlace();
    const res = await cli(['restore', file], target.env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`The backup was older than this version: ran ${older.newest}.`);
    const site = await openSite(target);
    try {
      expect((await new Client(site.app).logIn(MEMBER.email, MEMBER.password)).location).toBe('/account');
      // The migration linked the member's dues invoice to their membership again, with its period.
      expect(await site.database.db.selectFrom('membership_invoices').selectAll().execute()).toEqual([...linkOf.values()]);
    } finally {
      await site.close();
    }
  });
});
