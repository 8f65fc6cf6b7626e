import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { addMember, ADMIN, countUsers, levelId, logIn, membershipOf, newSiteWithBoard, uploadMembers } from '#test/support/kit.js';
import type { TestSite } from '#test/support/site.js';

const MEMBER_PASSWORD = 'a long member password';

async function newSite() {
  const { userIds, ...made } = await newSiteWithBoard(); // 9 a.m. in Denver, March 2, 2026
  return { ...made, adminId: userIds[ADMIN.email]! };
}

/** The member names in the list's table, in order. */
const namesIn = (html: string) => [...html.matchAll(/<a href="\/admin\/members\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]);

async function events(site: TestSite, membershipId: number) {
  return site.database.db.selectFrom('membership_events').selectAll().where('membership_id', '=', membershipId).orderBy('id').execute();
}

describe('the admin member list', () => {
  it('filters by status, level, renewal due within N days and words in the name, e-mail or organization', async () => {
    const { site, board } = await newSite();
    await addMember(site, { name: 'Ann Active', email: 'ann@example.org', organization: 'City of Boulder', renewsInDays: 10 });
    await addMember(site, { name: 'Bob Lapsed', email: 'bob@example.org', status: 'lapsed', renewsInDays: -60 });
    await addMember(site, { name: 'Cy Associate', email: 'cy@lab.example.com', level: 'Associate', organization: 'Metro Lab 100%', renewsInDays: 45 });
    await addMember(site, { name: 'Di Waiting', email: 'di@example.org', status: 'pending_approval', renewsInDays: null });

    const byStatus = await board.get('/admin/members?status=active');
    expect(byStatus.status).toBe(200);
    expect(namesIn(byStatus.body).sort()).toEqual(['Ann Active', 'Cy Associate']);
    expect(visibleText(byStatus.body)).toContain('2 members match.');

    expect(namesIn((await board.get(`/admin/members?level=${await levelId(site, 'Associate')}`)).body)).toEqual(['Cy Associate']);
    expect(namesIn((await board.get('/admin/members?due=30')).body)).toEqual(['Ann Active']);
    expect(namesIn((await board.get('/admin/members?due=60&sort=renewal')).body)).toEqual(['Ann Active', 'Cy Associate']);
    // Words in the organization, the e-mail or the name; capitals do not matter; % is a character.
    expect(namesIn((await board.get('/admin/members?q=boulder')).body)).toEqual(['Ann Active']);
    expect(namesIn((await board.get('/admin/members?q=LAB.EXAMPLE')).body)).toEqual(['Cy Associate']);
    expect(namesIn((await board.get('/admin/members?q=100%25')).body)).toEqual(['Cy Associate']);
    expect(namesIn((await board.get('/admin/members?q=%25')).body)).toEqual(['Cy Associate']);
    expect(namesIn((await board.get('/admin/members?q=bob')).body)).toEqual(['Bob Lapsed']);
    // Together.
    expect(namesIn((await board.get('/admin/members?status=active&q=example.org')).body)).toEqual(['Ann Active']);
    const none = await board.get('/admin/members?status=suspended');
    expect(visibleText(none.body)).toContain('No member matches.');

    // The form shows the filters in force.
    const form = await board.get('/admin/members?status=active&q=boulder&due=30');
    expect(inputValue(form.body, 'q')).toBe('boulder');
    expect(inputValue(form.body, 'due')).toBe('30');
    expect(form.body).toMatch(/<option value="active" selected="">Active<\/option>|<option value="active" selected>Active<\/option>/);
  });

  it('answers malformed filters with the list, never an error page', async () => {
    const { site, board } = await newSite();
    await addMember(site, { name: 'Ann Active', email: 'ann@example.org' });
    for (const query of ['status=bogus', 'level=abc', 'level=-3', 'page=-1', 'page=abc', 'sort=evil&dir=sideways', 'status=active&status=lapsed', 'q[x]=1', 'field=zz&value=1']) {
      const res = await board.get(`/admin/members?${query}`);
      expect(res.status, query).toBe(200);
      expect(namesIn(res.body), query).toEqual(['Ann Active']);
    }
    const badDue = await board.get('/admin/members?due=soon');
    expect(badDue.status).toBe(200);
    expect(fieldError(badDue.body, 'due')).toContain('Enter a number of days');
    expect(inputValue(badDue.body, 'due')).toBe('soon');
    expect((await board.get('/admin/members.csv?due=soon&page=zz')).status).toBe(200);
  });

  it('sorts by name, renewal date and date joined, both ways', async () => {
    const { site, board } = await newSite();
    await addMember(site, { name: 'carla', email: 'c@example.org', renewsInDays: 30, joinedDaysAgo: 10 });
    await addMember(site, { name: 'Abe', email: 'a@example.org', renewsInDays: 300, joinedDaysAgo: 30 });
    await addMember(site, { name: 'Bea', email: 'b@example.org', renewsInDays: null, status: 'pending_approval', joinedDaysAgo: 1 });
    await addMember(site, { name: 'Dan', email: 'd@example.org', renewsInDays: 90, joinedDaysAgo: 400 });

    expect(namesIn((await board.get('/admin/members?sort=name')).body)).toEqual(['Abe', 'Bea', 'carla', 'Dan']);
    expect(namesIn((await board.get('/admin/members?sort=name&dir=desc')).body)).toEqual(['Dan', 'carla', 'Bea', 'Abe']);
    // No renewal date comes last either way.
    expect(namesIn((await board.get('/admin/members?sort=renewal')).body)).toEqual(['carla', 'Dan', 'Abe', 'Bea']);
    expect(namesIn((await board.get('/admin/members?sort=renewal&dir=desc')).body)).toEqual(['Abe', 'Dan', 'carla', 'Bea']);
    // Newest first by default.
    expect(namesIn((await board.get('/admin/members')).body)).toEqual(['Bea', 'carla', 'Abe', 'Dan']);
    expect(namesIn((await board.get('/admin/members?sort=joined&dir=asc')).body)).toEqual(['Dan', 'Abe', 'carla', 'Bea']);
    // The column headers sort too, and say how the list is sorted.
    const page = await board.get('/admin/members?sort=name&status=active');
    expect(page.body).toContain('aria-sort="ascending"');
    expect(page.body).toContain('href="/admin/members?status=active&amp;sort=name&amp;dir=desc"');
  });

  it('shows 50 members a page and keeps the filters in the page links', async () => {
    const { site, board } = await newSite();
    for (let i = 1; i <= 120; i++) {
      await addMember(site, { name: `Member ${String(i).padStart(3, '0')}`, email: `m${i}@example.org`, status: i % 2 ? 'active' : 'lapsed' });
    }
    const first = await board.get('/admin/members?sort=name');
    expect(namesIn(first.body)).toHaveLength(50);
    expect(namesIn(first.body)[0]).toBe('Member 001');
    expect(visibleText(first.body)).toContain('Page 1 of 3');
    const third = await board.get('/admin/members?sort=name&page=3');
    expect(namesIn(third.body)).toHaveLength(20);
    expect(namesIn(third.body)[19]).toBe('Member 120');
    // Past the last page: the last page.
    expect(namesIn((await board.get('/admin/members?sort=name&page=99')).body)).toEqual(namesIn(third.body));

    const active = await board.get('/admin/members?status=active&sort=name');
    expect(visibleText(active.body)).toContain('60 members match.');
    expect(active.body).toContain('href="/admin/members?status=active&amp;sort=name&amp;dir=asc&amp;page=2"');
    const second = await board.get('/admin/members?status=active&sort=name&dir=asc&page=2');
    expect(namesIn(second.body)).toHaveLength(10);
    expect(namesIn(second.body)[0]).toBe('Member 101');
    expect(second.body).toContain('href="/admin/members?status=active&amp;sort=name&amp;dir=asc&amp;page=1"');
    // The CSV link carries the filters too.
    expect(second.body).toContain('href="/admin/members.csv?status=active&amp;sort=name&amp;dir=asc"');
  });

  it('filters by a member field ("field = value")', async () => {
    const { site, board } = await newSite();
    const ann = await addMember(site, { name: 'Ann', email: 'ann@example.org' });
    const bo = await addMember(site, { name: 'Bo', email: 'bo@example.org' });
    await addMember(site, { name: 'Cy', email: 'cy@example.org' });
    const db = site.database.db;
    const now = site.clock.now().toISOString();
    const field = (key: string, label: string, type: 'text' | 'choice' | 'checkbox' | 'date', choices = '') =>
      db
        .insertInto('member_fields')
        .values({ key, label, type, choices, required: 0, visibility: 'admins', position: 1, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
        .then((r) => r.id);
    const region = await field('region', 'Region', 'choice', 'Front Range\nWestern Slope');
    const certified = await field('certified', 'Certified', 'checkbox');
    await db
      .insertInto('member_field_values')
      .values([
        { membership_id: ann, field_id: region, value: 'Front Range' },
        { membership_id: bo, field_id: region, value: 'Western Slope' },
        { membership_id: ann, field_id: certified, value: 'on' },
      ])
      .execute();

    const page = await board.get('/admin/members');
    expect(page.body).toContain('<option value="' + region + '">Region</option>');
    expect(namesIn((await board.get(`/admin/members?field=${region}&value=front+range`)).body)).toEqual(['Ann']);
    expect(namesIn((await board.get(`/admin/members?field=${region}&value=Western+Slope`)).body)).toEqual(['Bo']);
    expect(namesIn((await board.get(`/admin/members?field=${certified}&value=yes&sort=name`)).body)).toEqual(['Ann']);
    expect(namesIn((await board.get(`/admin/members?field=${certified}&value=no&sort=name`)).body)).toEqual(['Bo', 'Cy']);
    const bad = await board.get(`/admin/members?field=${certified}&value=maybe&sort=name`);
    expect(fieldError(bad.body, 'value')).toContain('is a checkbox: enter yes or no');
    expect(namesIn(bad.body)).toEqual(['Ann', 'Bo', 'Cy']);
  });

  it('is for admins only', async () => {
    const { site } = await newSite();
    await site.addUser({ email: 'pat@example.org', password: MEMBER_PASSWORD });
    const member = await logIn(site, { email: 'pat@example.org', password: MEMBER_PASSWORD });
    for (const path of ['/admin/members', '/admin/members.csv', '/admin/members/import', '/admin/members/1', '/admin/members/import/1']) {
      expect((await member.get(path)).status, path).toBe(403);
    }
    expect((await new Client(site.app).get('/admin/members.csv')).status).toBe(303);
  });
});

describe("a member's page", () => {
  async function memberSetUp() {
    const ctx = await newSite();
    await ctx.site.addUser({ email: 'pat@example.org', password: MEMBER_PASSWORD, name: 'Pat Inspector' });
    const mine = (await membershipOf(ctx.site, 'pat@example.org'))!;
    return { ...ctx, id: mine.membership.id, userId: mine.membership.user_id };
  }

  it('edits the built-in details, keeping e-mail addresses unique', async () => {
    const { site, board, id, userId, adminId } = await memberSetUp();
    await addMember(site, { name: 'Other', email: 'other@example.org' });
    const page = `/admin/members/${id}`;
    const details = {
      name: 'Pat Q. Inspector',
      email: 'Pat.Q@Example.org',
      organization: 'City of Boulder',
      job_title: 'Inspector',
      phone: '303-555-0100',
      address_line1: '1 Water St',
      address_line2: '',
      city: 'Boulder',
      region: 'CO',
      postal_code: '80301',
    };
    const saved = await board.submit(page, details, `${page}/details`);
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(page);
    const shown = visibleText((await board.get(page)).body);
    expect(shown).toContain('The details were saved.');
    expect(shown).toContain('pat.q@example.org (not confirmed yet)');
    expect(shown).toContain('Inspector, City of Boulder');
    expect(shown).toContain('Details changed: name, organization, job title, phone, address, city, state, ZIP code, e-mail address (was pat@example.org). (Board Admin)');
    const user = await site.accounts.getUser(userId);
    expect(user).toMatchObject({ name: 'Pat Q. Inspector', email: 'pat.q@example.org' });
    const last = (await events(site, id)).at(-1)!;
    expect(last).toMatchObject({ kind: 'details_changed', actor_user_id: adminId });

    const taken = await board.submit(page, { ...details, email: 'OTHER@example.org', name: 'Kept Name' }, `${page}/details`);
    expect(taken.status).toBe(422);
    expect(fieldError(taken.body, 'email')).toBe('Error: Another account already uses this e-mail address.');
    expect(inputValue(taken.body, 'name')).toBe('Kept Name');
    expect(taken.body).toMatch(/<details class="card" id="panel-details" open/);

    const invalid = await board.submit(page, { ...details, email: 'not-an-address', name: '' }, `${page}/details`);
    expect(invalid.status).toBe(422);
    expect(fieldError(invalid.body, 'email')).toContain('Enter an e-mail address in the form name@example.org.');
    expect(fieldError(invalid.body, 'name')).toContain('Enter the name.');
    expect((await site.accounts.getUser(userId))!.name).toBe('Pat Q. Inspector');
  });

  it('changes the level', async () => {
    const { site, board, id, adminId } = await memberSetUp();
    const page = `/admin/members/${id}`;
    const associate = await levelId(site, 'Associate');
    expect((await board.submit(page, { level_id: String(associate) }, `${page}/level`)).status).toBe(303);
    expect(visibleText((await board.get(page)).body)).toContain('Level changed from Individual to Associate. (Board Admin)');
    expect((await site.membership.lifecycle.detail(id))!.membership.level_id).toBe(associate);
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'level_changed', actor_user_id: adminId });

    const same = await board.submit(page, { level_id: String(associate) }, `${page}/level`);
    expect(same.status).toBe(422);
    expect(fieldError(same.body, 'level_id')).toContain('already at the Associate level');
    for (const bad of ['999999', 'abc', '']) {
      const res = await board.submit(page, { level_id: bad }, `${page}/level`);
      expect(res.status, bad).toBe(422);
    }
  });

  it('extends the renewal date to a chosen date or by some months', async () => {
    const { site, board, id, adminId } = await memberSetUp();
    const page = `/admin/members/${id}`;
    // addUser made it March 2, 2027 (a year from the start).
    const toDate = await board.submit(page, { renewal_date: '2027-06-30' }, `${page}/renewal`);
    expect(toDate.status).toBe(303);
    let history = visibleText((await board.get(page)).body);
    expect(history).toContain('Renewal date changed from March 2, 2027 to June 30, 2027. (Board Admin)');
    // Stored as the start of that day in Denver.
    expect((await site.membership.lifecycle.detail(id))!.membership.expires_at).toBe('2027-06-30T06:00:00.000Z');

    expect((await board.submit(page, { months: '6' }, `${page}/renewal`)).status).toBe(303);
    history = visibleText((await board.get(page)).body);
    expect(history).toContain('Renewal date extended by 6 months, from June 30, 2027 to December 30, 2027. (Board Admin)');
    expect((await site.membership.lifecycle.detail(id))!.membership.expires_at).toBe('2027-12-30T07:00:00.000Z');
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'renewal_date_changed', actor_user_id: adminId });

    for (const [fields, field, message] of [
      [{ renewal_date: '2027-02-30' }, 'renewal_date', 'Enter a real date'],
      [{ renewal_date: '' }, 'renewal_date', 'Choose the new renewal date, or a number of months'],
      [{ months: '0' }, 'months', 'from 1 to 60'],
      [{ months: 'six' }, 'months', 'from 1 to 60'],
    ] as const) {
      const res = await board.submit(page, fields, `${page}/renewal`);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(fieldError(res.body, field), JSON.stringify(fields)).toContain(message);
    }
  });

  it('brings a lapsed member back when the renewal date moves into the future', async () => {
    const { site, board, adminId } = await newSite();
    const id = await addMember(site, { name: 'Lee Lapsed', email: 'lee@example.org', status: 'lapsed', renewsInDays: -90 });
    const page = `/admin/members/${id}`;
    expect((await board.submit(page, { months: '12' }, `${page}/renewal`)).status).toBe(303);
    const shown = visibleText((await board.get(page)).body);
    expect(shown).toContain('The renewal date was changed. The membership is active again.');
    expect((await site.membership.lifecycle.detail(id))!.membership.status).toBe('active');
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'renewal_date_changed', actor_user_id: adminId });
  });

  it('suspends (members-only pages close) and reinstates (they open again)', async () => {
    const { site, board, id, adminId } = await memberSetUp();
    const member = await logIn(site, { email: 'pat@example.org', password: MEMBER_PASSWORD });
    expect((await member.get('/members')).status).toBe(200);

    const page = `/admin/members/${id}`;
    const suspended = await board.submit(page, { suspend_reason: 'Dues check bounced.' }, `${page}/suspend`);
    expect(suspended.status).toBe(303);
    const shown = visibleText((await board.get(page)).body);
    expect(shown).toContain('Status Suspended');
    expect(shown).toContain('Suspended: Dues check bounced. (Board Admin)');
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'suspended', actor_user_id: adminId });
    expect((await member.get('/members')).status).toBe(403);

    // Suspending twice says so.
    const again = await board.post(`${page}/suspend`, { _csrf: board.csrf(), suspend_reason: '' });
    expect(again.status).toBe(303);
    expect(visibleText((await board.get(page)).body)).toContain('This membership is already suspended.');

    const reinstated = await board.submit(page, {}, `${page}/reinstate`);
    expect(reinstated.status).toBe(303);
    const after = visibleText((await board.get(page)).body);
    expect(after).toContain('The membership is active again.');
    expect(after).toContain('Reinstated: the membership is active again. (Board Admin)');
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'reinstated', actor_user_id: adminId });
    expect((await member.get('/members')).status).toBe(200);

    const notSuspended = await board.submit(page, {}, `${page}/reinstate`);
    expect(notSuspended.status).toBe(303);
    expect(visibleText((await board.get(page)).body)).toContain('This membership is not suspended.');
  });

  it('adds a note to the history', async () => {
    const { site, board, id, adminId } = await memberSetUp();
    const page = `/admin/members/${id}`;
    expect((await board.submit(page, { note: 'Called about the <b>spring</b> workshop.' }, `${page}/notes`)).status).toBe(303);
    const body = (await board.get(page)).body;
    expect(visibleText(body)).toContain('Called about the <b>spring</b> workshop. (Board Admin)');
    expect(body).not.toContain('<b>spring</b>');
    expect((await events(site, id)).at(-1)).toMatchObject({ kind: 'note', detail: 'Called about the <b>spring</b> workshop.', actor_user_id: adminId });

    const empty = await board.submit(page, { note: '   ' }, `${page}/notes`);
    expect(empty.status).toBe(422);
    expect(fieldError(empty.body, 'note')).toContain('Enter the note.');
  });

  it('answers unknown members with 404 and forged forms with 403', async () => {
    const { board, id } = await memberSetUp();
    for (const path of ['/admin/members/999999', '/admin/members/abc', '/admin/members/1e3', '/admin/members/-1']) expect((await board.get(path)).status, path).toBe(404);
    await board.get(`/admin/members/${id}`);
    for (const action of ['details', 'level', 'renewal', 'suspend', 'reinstate', 'notes']) {
      expect(
        (await board.post(`/admin/members/999999/${action}`, { _csrf: board.csrf(), note: 'x', level_id: '1', months: '1', name: 'x', email: 'x@example.org' })).status,
        action,
      ).toBe(404);
      expect((await board.post(`/admin/members/${id}/${action}`, { note: 'x' })).status, action).toBe(403);
    }
  });

  it('tells a member that no longer exists from other refusals by its code, not by its sentence', async () => {
    const { site, board, id, adminId } = await memberSetUp();
    const gone = { ok: false, code: 'not_found', errors: { form: 'This member no longer exists.' } };
    expect(await site.membership.backoffice.suspend(999999, '', adminId)).toEqual(gone);
    expect(await site.membership.lifecycle.approve(999999, adminId)).toEqual(gone);
    expect(await site.membership.lifecycle.reject(999999, adminId, 'No.')).toEqual(gone);
    // The route answers "not found" for that code, the application decision included.
    await board.get(`/admin/members/${id}`);
    for (const action of ['approve', 'reject', 'suspend']) {
      expect((await board.post(`/admin/members/999999/${action}`, { _csrf: board.csrf(), reason: 'Not a member.' })).status, action).toBe(404);
    }
    // A refusal of the whole form for another reason goes back to the member's page and says why.
    await site.membership.backoffice.suspend(id, '', adminId);
    expect(await site.membership.backoffice.suspend(id, '', adminId)).toEqual({ ok: false, code: 'invalid', errors: { form: 'This membership is already suspended.' } });
    const again = await board.post(`/admin/members/${id}/suspend`, { _csrf: board.csrf(), suspend_reason: '' });
    expect(again.status).toBe(303);
    expect(again.location).toBe(`/admin/members/${id}`);
    expect(visibleText((await board.get(again.location!)).body)).toContain('This membership is already suspended.');
  });
});

describe('CSV export', () => {
  it('holds exactly the filtered members, with dates in the association’s calendar', async () => {
    const { site, board } = await newSite();
    await addMember(site, { name: 'Ann Active', email: 'ann@example.org', organization: 'City of Boulder', renewsInDays: 10 });
    await addMember(site, { name: '=HYPERLINK("http://evil")', email: 'eve@example.org', organization: 'Evil, "Inc."', renewsInDays: 20 });
    await addMember(site, { name: 'Bob Lapsed', email: 'bob@example.org', status: 'lapsed' });
    await addMember(site, { name: 'Cy Associate', email: 'cy@example.org', level: 'Associate' });

    const res = await board.get('/admin/members.csv?status=active&level=' + (await levelId(site, 'Individual')) + '&sort=name');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="members-2026-03-02.csv"');
    const rows = parse(res.body, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'name',
      'email',
      'organization',
      'job_title',
      'phone',
      'address_line1',
      'address_line2',
      'city',
      'state',
      'postal_code',
      'level',
      'status',
      'renewal_date',
      'joined_date',
    ]);
    expect(rows.map((r) => r.email)).toEqual(['eve@example.org', 'ann@example.org']);
    const ann = rows.find((r) => r.email === 'ann@example.org')!;
    // March 12, 2026 at 9 a.m. in Denver; joined 100 days before March 2.
    expect(ann).toMatchObject({
      name: 'Ann Active',
      organization: 'City of Boulder',
      level: 'Individual',
      status: 'Active',
      renewal_date: '2026-03-12',
      joined_date: '2025-11-22',
    });
    const eve = rows.find((r) => r.email === 'eve@example.org')!;
    // A spreadsheet would run this as a formula: it gets an apostrophe.
    expect(eve.name).toBe(`'=HYPERLINK("http://evil")`);
    expect(eve.organization).toBe('Evil, "Inc."');

    const all = parse((await board.get('/admin/members.csv')).body, { bom: true, columns: true }) as Record<string, string>[];
    expect(all.map((r) => r.email).sort()).toEqual(['ann@example.org', 'bob@example.org', 'cy@example.org', 'eve@example.org']);
  });
});

const HEADER = 'name,email,level,status,renewal_date,organization,job_title,phone,address_line1,address_line2,city,state,postal_code';

/** The problems table of a preview: [line, column, message] per row. */
function problemsIn(html: string): string[][] {
  const table = /<table class="data">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><td>([\s\S]*?)<\/td><\/tr>/g)].map((m) => [visibleText(m[1]!), visibleText(m[2]!), visibleText(m[3]!)]);
}

describe('CSV import', () => {
  it('reports every bad row (line, column, why) and imports nothing', async () => {
    const { site, board } = await newSite();
    await addMember(site, { name: 'Already Here', email: 'taken@example.org' });
    const before = await countUsers(site);
    const csv = [
      HEADER,
      'Good One,good1@example.org,Individual,active,2027-01-31,City of Denver,,,,,,,',
      'Bad Mail,not-an-address,Individual,active,2027-01-31,,,,,,,,',
      'Gold Person,gold@example.org,Gold,active,2027-01-31,,,,,,,,',
      'Twin,good1@example.org,Individual,active,2027-01-31,,,,,,,,',
      'Taken,TAKEN@example.org,Individual,active,2027-01-31,,,,,,,,',
      'Bad Date,date@example.org,Individual,active,2027-02-30,,,,,,,,',
      'Bad Status,status@example.org,Individual,paused,2027-01-31,,,,,,,,',
      ',noname@example.org,Associate,lapsed,,,,,,,,,',
      'No Date,nodate@example.org,Individual,,,,,,,,,,',
      '"Multi',
      'Line",multi@example.org,Individual,active,01/31/2027,,,,,,,,',
      'Extra,extra@example.org,Individual,active,2027-01-31,,,,,,,,,surprise',
      '',
      'Last,last@example.org,individual,Cancelled,,,,,,,,,',
    ].join('\r\n');
    const res = await uploadMembers(board, csv);
    expect(res.status).toBe(303);
    const preview = await board.get(res.location!);
    expect(preview.status).toBe(200);
    const text = visibleText(preview.body);
    expect(text).toContain('Nothing was imported. The file has 9 problems in its 12 rows.');
    expect(problemsIn(preview.body)).toEqual([
      ['3', 'email', '“not-an-address” is not an e-mail address.'],
      ['4', 'level', 'There is no level called “Gold”. The levels are: Individual, Agency, Associate, Student or retired.'],
      ['5', 'email', 'The same e-mail address is already on line 2. Each member needs an address of their own.'],
      ['6', 'email', 'There is already an account with this e-mail address (a member, an applicant or an admin).'],
      ['7', 'renewal_date', '“2027-02-30” is not a date. Write dates as YYYY-MM-DD, for example 2027-01-31.'],
      ['8', 'status', '“paused” is not a status that can be imported. Use active, lapsed, suspended or cancelled, or leave it empty for active.'],
      ['9', 'name', 'The name is missing.'],
      ['10', 'renewal_date', 'An active member needs a renewal date (YYYY-MM-DD), or members-only pages stay closed to them.'],
      ['13', '—', 'This row has 14 cells but the first row names only 13 columns. A comma inside a value needs quotation marks around the value.'],
      // Lines 11–12 (a name over two lines, a US date) and line 15 (lower-case level, "Cancelled") are fine.
    ]);
    expect(preview.body).not.toContain('Confirm: import');
    expect(await countUsers(site)).toBe(before);

    // Confirming it anyway does nothing.
    const id = /\/admin\/members\/import\/(\d+)/.exec(res.location!)![1];
    const forced = await board.post(`/admin/members/import/${id}/confirm`, { _csrf: board.csrf() });
    expect(forced.status).toBe(303);
    expect(visibleText((await board.get(forced.location!)).body)).toContain('This file was already imported, cancelled or found to have problems.');
    await site.jobs.runDue();
    expect(await countUsers(site)).toBe(before);
  });

  it('says what is wrong with a file it cannot read', async () => {
    const { board } = await newSite();
    const missing = await uploadMembers(board, 'full name,e-mail\nAnn,ann@example.org\n');
    const page = await board.get(missing.location!);
    expect(problemsIn(page.body)).toEqual([
      ['1', 'level', 'The first row has no “level” column. The first row must name the columns: ' + HEADER + ' (name, email and level are required).'],
    ]);

    const quote = await board.get((await uploadMembers(board, `${HEADER}\nAnn,ann@example.org,Individual,active,2027-01-01\n"Bo,bo@example.org,Individual\n`)).location!);
    expect(problemsIn(quote.body)[0]![0]).toBe('3');
    expect(problemsIn(quote.body)[0]![2]).toContain('quotation mark opened here is never closed');

    const empty = await board.get((await uploadMembers(board, `${HEADER}\n\n`)).location!);
    expect(problemsIn(empty.body)).toEqual([['whole file', '—', 'The file has a header row but no members under it.']]);

    // The upload form itself: no file, an Excel workbook, an empty file.
    await board.get('/admin/members/import');
    const none = await board.postMultipart('/admin/members/import', { _csrf: board.csrf() });
    expect(none.status).toBe(422);
    expect(fieldError(none.body, 'file')).toBe('Error: Choose the CSV file to import.');
    const noneChosen = await board.postMultipart('/admin/members/import', { _csrf: board.csrf() }, { file: { name: '', body: '' } });
    expect(noneChosen.status).toBe(422);
    expect(fieldError(noneChosen.body, 'file')).toBe('Error: Choose the CSV file to import.');
    const xlsx = await uploadMembers(board, Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'members.xlsx');
    expect(xlsx.status).toBe(422);
    expect(fieldError(xlsx.body, 'file')).toContain('This is an Excel workbook, not a CSV file.');
    // Not multipart at all, or no CSRF token.
    await board.get('/admin/members/import');
    expect((await board.post('/admin/members/import', { _csrf: board.csrf(), file: 'name,email' })).status).toBe(422);
    expect((await board.postMultipart('/admin/members/import', {}, { file: { name: 'a.csv', body: HEADER } })).status).toBe(403);
  });

  it('imports a clean file after Confirm, in a job, with progress to 100%', async () => {
    const { site, board, adminId } = await newSite();
    const csv = [
      HEADER,
      'Ann Import,Ann@Example.org,Individual,active,2027-01-31,City of Denver,Inspector,303-555-0101,1 Main St,Suite 2,Denver,CO,80202',
      'Bo Import,bo@example.org,Associate,lapsed,2025-12-31,Metro Lab,,,,,,,',
      'Cy Import,cy@example.org,Individual,,3/15/2027,,,,,,,,',
    ].join('\n');
    const res = await uploadMembers(board, Buffer.from(csv, 'utf8'));
    expect(res.status).toBe(303);
    const url = res.location!;
    const preview = await board.get(url);
    const text = visibleText(preview.body);
    expect(text).toContain('The file has no problems: 3 new members ready to import.');
    expect(text).toContain('Individual: 2');
    expect(text).toContain('Associate: 1');
    expect(await site.accounts.findUserByEmail('ann@example.org')).toBeUndefined();

    const confirmed = await board.post(`${url}/confirm`, { _csrf: board.csrf() });
    expect(confirmed.status).toBe(303);
    const running = await board.get(url);
    expect(visibleText(running.body)).toContain('The import has started.');
    expect(running.body).toContain(`hx-get="${url}/progress"`);
    expect(running.body).toContain('hx-trigger="every 2s"');
    expect(running.body).toMatch(/<label for="import-progress-bar">Importing members: 0 of 3 \(0%\)<\/label><progress id="import-progress-bar" max="3" value="0">/);
    expect(running.body).toContain(`<a href="${url}">Refresh this page</a>`);
    // Confirming twice does not import twice.
    expect((await board.post(`${url}/confirm`, { _csrf: board.csrf() })).status).toBe(303);

    await site.jobs.runDue();
    const fragment = await board.get(`${url}/progress`);
    expect(fragment.status).toBe(200);
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain('Import finished: 3 of 3 (100%)');
    expect(fragment.body).toContain('<progress id="import-progress-bar" max="3" value="3">');
    // Finished: htmx stops asking.
    expect(fragment.body).not.toContain('hx-trigger');
    expect(visibleText((await board.get(url)).body)).toContain('3 members were imported.');

    const ann = (await site.accounts.findUserByEmail('ann@example.org'))!;
    expect(ann).toMatchObject({ name: 'Ann Import', role: 'member', password_hash: null });
    const annDetail = (await site.membership.lifecycle.forUser(ann.id))!;
    expect(annDetail.level.name).toBe('Individual');
    expect(annDetail.membership).toMatchObject({
      status: 'active',
      expires_at: '2027-01-31T07:00:00.000Z',
      organization: 'City of Denver',
      job_title: 'Inspector',
      address_line2: 'Suite 2',
      region: 'CO',
      postal_code: '80202',
    });
    const bo = (await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail('bo@example.org'))!.id))!;
    expect(bo.membership.status).toBe('lapsed');
    expect(bo.level.name).toBe('Associate');
    const cy = (await site.membership.lifecycle.forUser((await site.accounts.findUserByEmail('cy@example.org'))!.id))!;
    expect(cy.membership.expires_at).toBe('2027-03-15T06:00:00.000Z');
    const history = await events(site, annDetail.membership.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ kind: 'imported', actor_user_id: adminId });
    expect(history[0]!.detail).toContain('line 2): Individual, active, renewal date January 31, 2027.');
    // The rows waiting for confirmation are gone once imported.
    expect(await site.database.db.selectFrom('member_import_rows').selectAll().execute()).toEqual([]);

    // An imported member with an active membership may use members-only pages once they set a password.
    await site.database.db
      .updateTable('users')
      .set({ password_hash: (await site.database.db.selectFrom('users').select('password_hash').where('email', '=', ADMIN.email).executeTakeFirstOrThrow()).password_hash })
      .where('id', '=', ann.id)
      .execute();
    const annClient = await logIn(site, { email: 'ann@example.org', password: ADMIN.password });
    expect((await annClient.get('/members')).status).toBe(200);
  });

  it('imports nothing when an address got an account between the preview and Confirm', async () => {
    const { site, board } = await newSite();
    const res = await uploadMembers(board, `${HEADER}\nAnn,ann@example.org,Individual,active,2027-01-31\nBo,bo@example.org,Individual,active,2027-01-31\n`);
    const url = res.location!;
    await board.get(url);
    await addMember(site, { name: 'Bo Applied', email: 'bo@example.org' });
    const before = await countUsers(site);
    const confirmed = await board.post(`${url}/confirm`, { _csrf: board.csrf() });
    const page = await board.get(confirmed.location!);
    expect(visibleText(page.body)).toContain('Nothing was imported: something changed since the preview.');
    expect(problemsIn(page.body)).toEqual([['3', 'email', 'Since the preview, someone got an account with this e-mail address.']]);
    await site.jobs.runDue();
    expect(await countUsers(site)).toBe(before);
  });

  it('cancels a checked file', async () => {
    const { site, board } = await newSite();
    const url = (await uploadMembers(board, `${HEADER}\nAnn,ann@example.org,Individual,active,2027-01-31\n`)).location!;
    await board.get(url);
    expect((await board.post(`${url}/cancel`, { _csrf: board.csrf() })).status).toBe(303);
    expect(visibleText((await board.get(url)).body)).toContain('This import was cancelled; nothing was imported.');
    expect((await board.post(`${url}/confirm`, { _csrf: board.csrf() })).status).toBe(303);
    await site.jobs.runDue();
    expect(await site.accounts.findUserByEmail('ann@example.org')).toBeUndefined();
    for (const path of ['/admin/members/import/999999', '/admin/members/import/abc', '/admin/members/import/999999/progress'])
      expect((await board.get(path)).status, path).toBe(404);
    expect((await board.post('/admin/members/import/999999/confirm', { _csrf: board.csrf() })).status).toBe(404);
  });

  it('answers malformed uploads and forms with 4xx, never 500', async () => {
    const { site, board } = await newSite();
    const id = await addMember(site, { name: 'Ann', email: 'ann@example.org' });
    await board.get('/admin/members/import');
    const csrf = board.csrf();
    const broken = await board.request('POST', '/admin/members/import', { headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nnonsense' });
    expect([400, 403]).toContain(broken.status);
    const twoFiles = await board.postMultipart('/admin/members/import', { _csrf: csrf }, { file: { name: 'a.csv', body: HEADER }, other: { name: 'b.csv', body: HEADER } });
    expect(twoFiles.status).toBeGreaterThanOrEqual(400);
    expect(twoFiles.status).toBeLessThan(500);
    // Over this form's limit (8 MB) but under the site's (10 MB): said beside the field.
    const large = await board.postMultipart('/admin/members/import', { _csrf: csrf }, { file: { name: 'big.csv', body: Buffer.alloc(9 * 1024 * 1024, 'a') } });
    expect(large.status).toBe(422);
    expect(fieldError(large.body, 'file')).toContain('larger than 8 MB');
    await board.get(`/admin/members/${id}`);
    const json = await board.request('POST', `/admin/members/${id}/details`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _csrf: board.csrf(), name: ['a'], email: { x: 1 } }),
    });
    expect(json.status).toBe(422);
    const renewal = await board.request('POST', `/admin/members/${id}/renewal`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _csrf: board.csrf(), months: [1, 2] }),
    });
    expect(renewal.status).toBe(422);
  });

  it('imports 10,000 rows', { timeout: 180_000 }, async () => {
    const { site, board } = await newSite();
    const levels = ['Individual', 'Agency', 'Associate', 'Student or retired'];
    const lines = [HEADER];
    for (let i = 1; i <= 10_000; i++) {
      lines.push(
        `Member ${i},member${i}@example.org,${levels[i % 4]},${i % 10 ? 'active' : 'lapsed'},2027-0${(i % 9) + 1}-15,Utility ${i % 37},Inspector,303-555-${String(i).padStart(4, '0')},${i} Main St,,Denver,CO,80202`,
      );
    }
    const started = performance.now();
    const res = await uploadMembers(board, lines.join('\n'));
    expect(res.status).toBe(303);
    const checked = performance.now();
    const preview = await board.get(res.location!);
    expect(visibleText(preview.body)).toContain('10000 new members ready to import.');
    await board.post(`${res.location!}/confirm`, { _csrf: board.csrf() });
    await site.jobs.runDue();
    const finished = performance.now();
    const fragment = await board.get(`${res.location!}/progress`);
    expect(fragment.body).toContain('Import finished: 10000 of 10000 (100%)');
    const count = await site.database.db
      .selectFrom('membership_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'imported')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(10_000);
    // One job imports every row (all or none, decision 0020); its staged rows are gone once it is done.
    const steps = await site.database.db.selectFrom('jobs').select(['done_at']).where('type', '=', 'membership.import').execute();
    expect(steps).toHaveLength(1);
    expect(steps[0]!.done_at).not.toBeNull();
    expect(await site.database.db.selectFrom('member_import_rows').selectAll().execute()).toEqual([]);
    expect(namesIn((await board.get('/admin/members?q=member9999%40')).body)).toEqual(['Member 9999']);
    console.log(
      `[import timing, ${process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'}] 10,000 rows: upload and check ${Math.round(checked - started)} ms, import job ${Math.round(finished - checked)} ms, total ${Math.round(finished - started)} ms`,
    );
  });
});
