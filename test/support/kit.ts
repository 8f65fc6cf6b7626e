import type { ParsedMail } from 'mailparser';
import { expect, onTestFinished } from 'vitest';
import type { MembershipStatus } from '#modules/membership/index.js';
import { Client } from './client.js';
import { TestClock } from './clock.js';
import { insertMembership, startTestSite, type TestSite } from './site.js';
import { linkIn, type SmtpCatcher } from './smtp.js';

/**
 * The shared test kit: the people, sites and scenarios most tests start from, so that a test file
 * says what is special about its case and not again how to make an admin or an applicant.
 *
 * - People: `ADMIN`, `MEMBER`.
 * - Builders: `newSite` (a site with its people, closed when the test ends), `newSiteWithBoard`
 *   (the same, with `ADMIN` logged in), `addPeople` (for a site a file's tests share), `addMember`
 *   (a member straight in the database, at any status), `agencyContact`.
 * - Sessions: `logIn`.
 * - Scenarios: `applyAndConfirm` (an applicant applied and confirmed their address), `resetLink`
 *   (someone asked for a new password), `uploadMembers` (an admin uploads an import file).
 * - Looking: `mailFor`, `levelId`, `membershipOf`, `countUsers`.
 */

export interface Person {
  email: string;
  password: string;
  name?: string;
}

/** The board volunteer most tests log in as. */
export const ADMIN = { email: 'board@example.org', password: 'correct horse battery staple', name: 'Board Admin' };

/** A member most tests log in as (added with an active membership of the first level). */
export const MEMBER = { email: 'member@example.org', password: 'members only password', name: 'Mia Member' };

/** 9 a.m. in Denver on Monday 2 March 2026 (the TestClock's own start). */
export const MARCH_2 = '2026-03-02T16:00:00.000Z';
/** 10 a.m. in Denver on 2 July 2026. */
export const JULY_2 = '2026-07-02T16:00:00.000Z';

const DAY = 86_400_000;

export interface NewSiteOptions {
  /** When the site's clock starts (default: 2 March 2026, 9 a.m. in Denver). */
  at?: string;
  /** E-mail goes to this catcher. */
  smtp?: SmtpCatcher;
  env?: Record<string, string>;
  /** Administrators to add, in this order, before the members. */
  admins?: Person[];
  /** Members to add, each with an active membership of the first level for a year. */
  members?: Person[];
}

/**
 * A whole site on a fresh database for one test (closed when the test finishes), with its clock
 * and its people, added straight in the database: admins first, then members.
 */
export async function newSite(options: NewSiteOptions = {}): Promise<{ site: TestSite; clock: TestClock; userIds: Record<string, number> }> {
  const clock = new TestClock(options.at ?? MARCH_2);
  const site = await startTestSite({ env: { ...(options.smtp ? { SMTP_URL: options.smtp.url } : {}), ...options.env }, clock });
  onTestFinished(() => site.close());
  return { site, clock, userIds: await addPeople(site, options) };
}

/** Add people straight in the database, admins first, then members: their user ids by e-mail address. */
export async function addPeople(site: TestSite, people: { admins?: Person[]; members?: Person[] }): Promise<Record<string, number>> {
  const userIds: Record<string, number> = {};
  for (const admin of people.admins ?? []) userIds[admin.email] = await site.addUser({ ...admin, role: 'admin' });
  for (const member of people.members ?? []) userIds[member.email] = await site.addUser({ ...member, role: 'member' });
  return userIds;
}

/** `newSite` with `ADMIN` as its first administrator, logged in as `board`. */
export async function newSiteWithBoard(options: NewSiteOptions = {}) {
  const made = await newSite({ ...options, admins: [ADMIN, ...(options.admins ?? [])] });
  return { ...made, board: await logIn(made.site, ADMIN) };
}

/** A browser-like client logged in as `who`. */
export async function logIn(site: Pick<TestSite, 'app'>, who: Person): Promise<Client> {
  const client = new Client(site.app);
  await client.logIn(who.email, who.password);
  return client;
}

/** Run the jobs that are due (the e-mail queue among them): the messages to `address` caught since `since`. */
export async function mailFor(site: TestSite, smtp: SmtpCatcher, address: string, since: number): Promise<ParsedMail[]> {
  await site.jobs.runDue();
  return smtp.messages.slice(since).filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address)));
}

/** The id of the level with this name (the example levels: Individual, Agency, Associate, Student or retired). */
export async function levelId(site: TestSite, name: string): Promise<number> {
  const level = (await site.membership.lifecycle.listLevels()).find((l) => l.name === name);
  if (!level) throw new Error(`No level called ${name}`);
  return level.id;
}

/** What the account page knows of a person's membership; undefined when there is no such person or membership. */
export async function membershipOf(site: TestSite, email: string) {
  const user = await site.accounts.findUserByEmail(email);
  return user ? ((await site.membership.lifecycle.forUser(user.id)) ?? undefined) : undefined;
}

export async function countUsers(site: TestSite): Promise<number> {
  const row = await site.database.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A member straight in the database, without a password (as an import leaves them): Individual,
 * active, joined 100 days ago and renewing in 200 days unless said otherwise. The membership's id.
 */
export async function addMember(
  site: TestSite,
  m: { name: string; email: string; level?: string; status?: MembershipStatus; renewsInDays?: number | null; organization?: string; joinedDaysAgo?: number },
): Promise<number> {
  const db = site.database.db;
  const now = site.clock.now().getTime();
  const at = (ms: number) => new Date(ms).toISOString();
  const user = await db
    .insertInto('users')
    .values({ email: m.email, name: m.name, role: 'member', password_hash: null, created_at: at(now), updated_at: at(now) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const joined = at(now - (m.joinedDaysAgo ?? 100) * DAY);
  return insertMembership(site, {
    user_id: user.id,
    level_id: await levelId(site, m.level ?? 'Individual'),
    status: m.status ?? 'active',
    organization: m.organization,
    started_at: joined,
    expires_at: m.renewsInDays === null ? null : at(now + (m.renewsInDays ?? 200) * DAY),
  });
}

/**
 * The contact of an agency: a member whose membership was moved to the Agency level for the City
 * of Boulder (as if approved and paid), renewing at `expires`. Their user id.
 */
export async function agencyContact(site: TestSite, contact: Person, expires: string): Promise<number> {
  const contactId = await site.addUser(contact);
  const agency = await levelId(site, 'Agency');
  await site.database.db.updateTable('memberships').set({ level_id: agency, organization: 'City of Boulder', expires_at: expires }).where('user_id', '=', contactId).execute();
  return contactId;
}

/**
 * An applicant applied for `level` on the join form with `fields` (name, password, ...), then
 * followed the link in the confirmation e-mail. Their browser, logged in on their account page.
 */
export async function applyAndConfirm(site: TestSite, smtp: SmtpCatcher, level: string, email: string, fields: Record<string, string>): Promise<Client> {
  const since = smtp.messages.length;
  const applicant = new Client(site.app);
  const applied = await applicant.submit(`/join/${await levelId(site, level)}`, { ...fields, email });
  expect(applied.status).toBe(200);
  const [mail] = await mailFor(site, smtp, email, since);
  expect(mail, `the confirmation e-mail to ${email}`).toBeDefined();
  expect((await applicant.submit(linkIn(mail!.text), {})).status).toBe(303);
  return applicant;
}

/** Someone asked for a new password on the “Forgot password” form: the link in the e-mail they got. */
export async function resetLink(site: TestSite, smtp: SmtpCatcher, email: string): Promise<string> {
  const since = smtp.messages.length;
  expect((await new Client(site.app).submit('/forgot-password', { email })).status).toBe(200);
  const mail = (await mailFor(site, smtp, email, since)).find((m) => m.text?.includes('/reset-password/'));
  expect(mail, `the reset link to ${email}`).toBeDefined();
  return linkIn(mail!.text);
}

/** The admin uploads a CSV file on the import page: the answer (a redirect to the check, or the form with its error). */
export async function uploadMembers(board: Client, csv: string | Buffer, name = 'members.csv') {
  await board.get('/admin/members/import');
  return board.postMultipart('/admin/members/import', { _csrf: board.csrf() }, { file: { name, type: 'text/csv', body: csv } });
}
