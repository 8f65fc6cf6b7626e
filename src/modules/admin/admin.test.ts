import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fieldError, inputValue, visibleText } from '#test/support/client.js';
import { TestClock } from '#test/support/clock.js';
import { addPeople, ADMIN, logIn, MEMBER } from '#test/support/kit.js';
import { startTestSite, type TestSite } from '#test/support/site.js';

const SEEDED_NAME = 'Colorado Industrial Pretreatment Coordinators Association';

// 23:30 UTC on 2 March: still 2 March in Denver (16:30), already 3 March in Auckland (12:30).
const clock = new TestClock('2026-03-02T23:30:00.000Z');
let site: TestSite;

beforeAll(async () => {
  site = await startTestSite({ clock });
  await addPeople(site, { admins: [ADMIN], members: [MEMBER] });
});
afterAll(() => site.close());

// --- A real PNG, built by hand -------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}
/** A valid RGB PNG of the given size; with `noise` its pixels are random, so it does not compress. */
function png(width: number, height: number, noise = false): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const pixels = noise ? crypto.randomBytes(width * 3) : Buffer.alloc(width * 3, 0x2a);
    rows.push(Buffer.concat([Buffer.from([0]), pixels]));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- The settings form, sent as the browser sends it (multipart/form-data) -----------------

type Upload = { name: string; type?: string; body: Buffer | string };
const NO_FILE: Upload = { name: '', body: '' };

/** The value selected in a <select>. */
function selected(html: string, name: string) {
  const select = new RegExp(`<select[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return /<option value="([^"]*)" selected/.exec(select)?.[1];
}

/** Open /admin/settings, change `changes`, keep the rest as the form shows it, and send it. */
async function saveSettings(c: Client, changes: Record<string, string>, logo: Upload = NO_FILE) {
  const form = await c.get('/admin/settings');
  expect(form.status).toBe(200);
  expect(form.body).toContain('enctype="multipart/form-data"');
  const shown: Record<string, string> = {
    _csrf: c.csrf(),
    associationName: inputValue(form.body, 'associationName') ?? '',
    shortName: inputValue(form.body, 'shortName') ?? '',
    tagline: inputValue(form.body, 'tagline') ?? '',
    contactEmail: inputValue(form.body, 'contactEmail') ?? '',
    timeZone: selected(form.body, 'timeZone') ?? '',
  };
  return c.postMultipart('/admin/settings', { ...shown, ...changes }, { logo });
}

/** The association's name as shown in the page header (the full name; phones show the short one). */
const headerName = (html: string) => /<span class="brand-name"><span class="brand-full">([^<]*)<\/span>/.exec(html)?.[1];
const headerShortName = (html: string) => /<span class="brand-name">[\s\S]*?<span class="brand-short">([^<]*)<\/span>/.exec(html)?.[1];
/** The logo in the page header, if any. */
const headerLogo = (html: string) => /<a class="brand" href="\/">\s*<img class="brand-logo" src="([^"]+)"/.exec(html)?.[1];

describe('overview', () => {
  it('shows an admin what the site holds, with links to each part', async () => {
    const c = await logIn(site, ADMIN);
    const res = await c.get('/admin');
    expect(res.status).toBe(200);
    const text = visibleText(res.body);
    expect(res.body).toContain('<h1>Administration</h1>');
    const db = site.database.db;
    const count = async (table: 'pages' | 'news_posts' | 'users') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const pages = await count('pages');
    const news = await count('news_posts');
    expect(pages).toBeGreaterThan(1);
    expect(text).toContain(`Pages: ${pages} pages, including the home page.`);
    expect(text).toContain(`News: ${news} ${news === 1 ? 'post' : 'posts'}.`);
    expect(text).toContain('Users: 2 accounts.');
    expect(text).toContain('Sent mail: nothing waiting to be sent. No mail server is set up yet');
    for (const href of ['/admin/pages', '/admin/news', '/admin/users', '/admin/mail', '/admin/settings']) expect(res.body).toContain(`href="${href}"`);
  });
});

describe('settings', () => {
  it('shows a new association name in every page’s header at once', async () => {
    const visitor = new Client(site.app);
    const pages = ['/', '/about', '/news', '/news/welcome-to-the-new-website', '/login'];
    for (const path of pages) expect(headerName((await visitor.get(path)).body), path).toBe(SEEDED_NAME);

    const c = await logIn(site, ADMIN);
    const res = await saveSettings(c, { associationName: 'Front Range Pretreatment Society', shortName: 'FRPS' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/admin/settings');
    const after = await c.get('/admin/settings');
    expect(visibleText(after.body)).toContain('The settings were saved.');
    expect(inputValue(after.body, 'associationName')).toBe('Front Range Pretreatment Society');

    for (const path of pages) {
      const page = await visitor.get(path);
      expect(headerName(page.body), path).toBe('Front Range Pretreatment Society');
      expect(headerShortName(page.body), path).toBe('FRPS');
    }
    expect((await visitor.get('/about')).body).toMatch(/<title>About CIPCA · FRPS<\/title>/);
    expect(headerName((await c.get('/admin')).body)).toBe('Front Range Pretreatment Society');

    await saveSettings(c, { associationName: SEEDED_NAME, shortName: 'CIPCA' });
    expect(headerName((await visitor.get('/')).body)).toBe(SEEDED_NAME);
  });

  it.each([
    ['associationName', { associationName: '   ' }, "Error: Enter the association's name."],
    ['contactEmail', { contactEmail: 'board at example dot org' }, 'Error: Enter an e-mail address in the form name@example.org, or leave it empty.'],
    ['timeZone', { timeZone: 'Mars/Olympus_Mons' }, 'Error: Choose a time zone from the list, such as America/Denver.'],
  ])('refuses a wrong %s beside the field, keeps what was typed and saves nothing', async (field, change, message) => {
    const c = await logIn(site, ADMIN);
    const typed = { shortName: 'NEWSHORT', tagline: 'A tagline I do not want to lose', ...change };
    const res = await saveSettings(c, typed);
    expect(res.status).toBe(422);
    expect(fieldError(res.body, field)).toBe(message);
    expect(res.body).toMatch(new RegExp(`<(input|select)[^>]*name="${field}"[^>]*aria-invalid="true"`));
    expect(inputValue(res.body, 'tagline')).toBe('A tagline I do not want to lose');
    expect(inputValue(res.body, 'shortName')).toBe('NEWSHORT');
    if (field === 'contactEmail') expect(inputValue(res.body, 'contactEmail')).toBe('board at example dot org');
    // Only the wrong field is marked.
    for (const other of ['associationName', 'contactEmail', 'timeZone'].filter((f) => f !== field)) expect(fieldError(res.body, other)).toBeUndefined();

    const settings = await site.state.getSettings();
    expect(settings.shortName).toBe('CIPCA');
    expect(settings.tagline).not.toBe('A tagline I do not want to lose');
  });

  it('shows dates in the association’s time zone', async () => {
    const c = await logIn(site, ADMIN);
    const created = await c.submit('/admin/news/new', { title: 'Night shift', body: 'Posted late in the evening.', visibility: 'public', published: 'on' }, '/admin/news');
    expect(created.status).toBe(303);
    const visitor = new Client(site.app);
    const dateOf = async () => /<time [^>]*>([^<]+)<\/time>/.exec((await visitor.get('/news/night-shift')).body)?.[1];

    expect((await site.state.getSettings()).timeZone).toBe('America/Denver');
    expect(await dateOf()).toBe('March 2, 2026');

    expect((await saveSettings(c, { timeZone: 'Pacific/Auckland' })).status).toBe(303);
    expect(await dateOf()).toBe('March 3, 2026');
    expect(visibleText((await visitor.get('/news')).body)).toMatch(/Night shift March 3, 2026/);

    expect((await saveSettings(c, { timeZone: 'America/Denver' })).status).toBe(303);
    expect(await dateOf()).toBe('March 2, 2026');
  });

  it('refuses a form sent without its security token, and a member', async () => {
    const c = await logIn(site, ADMIN);
    await c.get('/admin/settings');
    const forged = await c.postMultipart('/admin/settings', { associationName: 'Forged', shortName: 'F', timeZone: 'UTC' }, { logo: NO_FILE });
    expect(forged.status).toBe(403);
    expect(visibleText(forged.body)).toContain('This form has expired');

    const member = await logIn(site, MEMBER);
    await member.get('/account/password');
    const res = await member.postMultipart('/admin/settings', { _csrf: member.csrf(), associationName: 'Hacked', shortName: 'H', timeZone: 'UTC' }, { logo: NO_FILE });
    expect(res.status).toBe(403);
    expect((await site.state.getSettings()).associationName).toBe(SEEDED_NAME);
  });
});

describe('the logo', () => {
  it('accepts a PNG, shows it in the header from /uploads/, keeps it on later saves, and removes it on request', async () => {
    const c = await logIn(site, ADMIN);
    const visitor = new Client(site.app);
    expect(headerLogo((await visitor.get('/')).body)).toBeUndefined();

    const image = png(3, 2);
    const res = await saveSettings(c, {}, { name: 'logo.png', type: 'image/png', body: image });
    expect(res.status).toBe(303);

    const src = headerLogo((await visitor.get('/')).body);
    expect(src).toMatch(/^\/uploads\/logo-[0-9a-f]{16}\.png$/);
    expect(headerLogo((await visitor.get('/about')).body)).toBe(src);
    const served = await site.app.inject({ method: 'GET', url: src! });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(image)).toBe(true);
    const form = await c.get('/admin/settings');
    expect(form.body).toContain(`<img class="brand-logo" src="${src}" alt="Current logo"`);

    // Saving other settings without choosing a file keeps the logo.
    expect((await saveSettings(c, { tagline: 'Clean water starts upstream.' })).status).toBe(303);
    expect(headerLogo((await visitor.get('/')).body)).toBe(src);

    expect((await saveSettings(c, { removeLogo: 'on' })).status).toBe(303);
    expect(headerLogo((await visitor.get('/')).body)).toBeUndefined();
    const after = await c.get('/admin/settings');
    expect(visibleText(after.body)).toContain("No logo yet; the site shows the association's name.");
    expect(after.body).not.toContain('name="removeLogo"');
  });

  it('refuses a text file named .png beside the logo field and keeps the typed values', async () => {
    const c = await logIn(site, ADMIN);
    const res = await saveSettings(c, { associationName: 'Renamed while uploading' }, { name: 'logo.png', type: 'image/png', body: 'This is not a picture.\n' });
    expect(res.status).toBe(422);
    expect(fieldError(res.body, 'logo')).toBe('Error: The logo must be a PNG, JPEG, WebP or GIF image.');
    expect(inputValue(res.body, 'associationName')).toBe('Renamed while uploading');
    expect((await site.state.getSettings()).associationName).toBe(SEEDED_NAME);
    expect(headerLogo((await new Client(site.app).get('/')).body)).toBeUndefined();
  });

  it('accepts a logo of 1.5 MB, as the form promises up to 2 MB, and refuses a bigger one', async () => {
    const c = await logIn(site, ADMIN);
    const big = png(700, 700, true); // about 1.5 MB: random pixels do not compress
    expect(big.length).toBeGreaterThan(1.4 * 1024 * 1024);
    expect(big.length).toBeLessThan(2 * 1024 * 1024);
    const res = await saveSettings(c, {}, { name: 'big.png', type: 'image/png', body: big });
    expect(res.status).toBe(303);
    const src = headerLogo((await new Client(site.app).get('/')).body);
    expect(src).toMatch(/^\/uploads\/logo-[0-9a-f]{16}\.png$/);

    const huge = png(900, 900, true); // about 2.4 MB
    const refused = await saveSettings(c, { tagline: 'Typed before the upload' }, { name: 'huge.png', type: 'image/png', body: huge });
    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'logo')).toMatch(/^Error: The logo is larger than 2 MB/);
    expect(inputValue(refused.body, 'tagline')).toBe('Typed before the upload');
    expect(headerLogo((await new Client(site.app).get('/')).body)).toBe(src);

    expect((await saveSettings(c, { removeLogo: 'on' })).status).toBe(303);
  });

  it('serves nothing but uploaded logos under /uploads/', async () => {
    const secret = JSON.parse((await import('node:fs')).readFileSync(`${site.dataDir}/secrets.json`, 'utf8')).cookieSecret as string;
    const visitor = new Client(site.app);
    for (const url of [
      '/uploads/../secrets.json',
      '/uploads/..%2Fsecrets.json',
      '/uploads/%2e%2e%2fsecrets.json',
      '/uploads/..%5Csecrets.json',
      '/uploads/secrets.json',
      '/uploads/headworks.sqlite',
      '/uploads/logo-0000000000000000.png',
      '/uploads/logo-0000000000000000.png%00.json',
      '/uploads/LOGO-0000000000000000.PNG',
      '/uploads/',
    ]) {
      const res = await visitor.get(url);
      // A NUL in the address is refused at the edge (400, decision 0024); the others are not there.
      expect(url.includes('%00') ? 400 : 404, url).toBe(res.status);
      expect(res.body, url).not.toContain(secret);
    }
  });
});
