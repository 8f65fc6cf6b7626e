import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { changesOf, recordAudit, type Actor } from '#core/audit/index.js';
import type { Clock } from '#core/clock.js';
import { checkbox, optionalText, text } from '#core/http/forms.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteSettings, SiteState } from '#core/settings.js';
import type { Db } from '#core/db/index.js';
import type { Mailer } from '#core/mail/index.js';
import type { AccountsService } from '#modules/accounts/index.js';
import type { SiteService } from '#modules/site/index.js';
import type { Overview } from './views.js';

/** What the overview counts, from the modules that own it. */
interface Sources {
  site: SiteService;
  accounts: AccountsService;
  mailer: Mailer;
}

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
export const timeZones = () => [...TIME_ZONES].sort();

export const settingsInput = z.object({
  associationName: text("the association's name", 150),
  shortName: text('a short name', 30),
  tagline: optionalText('the tagline', 200),
  contactEmail: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'That e-mail address is too long.')
    .optional()
    .transform((v) => v ?? '')
    .refine((v) => v === '' || z.email().safeParse(v).success, 'Enter an e-mail address in the form name@example.org, or leave it empty.'),
  timeZone: z.string({ error: 'Choose a time zone.' }).refine((v) => TIME_ZONES.has(v), 'Choose a time zone from the list, such as America/Denver.'),
  removeLogo: checkbox(),
  requireAdminTwoFactor: checkbox(),
});
export type SettingsInput = z.output<typeof settingsInput>;

const IMAGE_TYPES: { ext: string; test: (b: Buffer) => boolean }[] = [
  { ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { ext: 'gif', test: (b) => b.subarray(0, 6).toString('latin1') === 'GIF89a' || b.subarray(0, 6).toString('latin1') === 'GIF87a' },
];

const SETTING_LABELS: Record<keyof SiteSettings, string> = {
  associationName: "Association's name",
  shortName: 'Short name',
  tagline: 'Tagline',
  contactEmail: 'Contact e-mail address',
  timeZone: 'Time zone',
  logo: 'Logo',
  requireAdminTwoFactor: 'Require two-factor sign-in for all administrators',
};

const MAX_LOGO_BYTES = 2 * 1024 * 1024;

export const UPLOAD_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

export class AdminService {
  readonly uploadsDir: string;

  constructor(
    private db: Db,
    private state: SiteState,
    dataDir: string,
    private clock: Clock,
    private sources: Sources,
  ) {
    this.uploadsDir = path.join(dataDir, 'uploads');
  }

  /** The numbers on the overview page. */
  async overview(): Promise<Overview> {
    const { site, accounts, mailer } = this.sources;
    const [pages, news, users, mailWaiting] = await Promise.all([site.listPages(), site.listAllNews(), accounts.listUsers(1, 1), mailer.countWaiting()]);
    return { pages: pages.length, news: news.length, users: users.total, mailWaiting, mailMode: mailer.mode };
  }

  /** Whether this user has two-factor sign-in on (only an admin who has it may require it of all). */
  hasTwoFactor = (userId: number) => this.sources.accounts.twoFactor.isOn(userId);

  getSettings = () => this.state.getSettings();

  /** Save the settings; a logo is accepted only when its bytes are a PNG, JPEG, WebP or GIF image. */
  async saveSettings(input: SettingsInput, logo: Buffer | undefined, actor: { hasTwoFactor: boolean } = { hasTwoFactor: false }, by?: Actor): Promise<Outcome<SiteSettings>> {
    const current = await this.state.getSettings();
    // Whoever turns the requirement on must already pass it, so nobody locks the board out by accident.
    if (input.requireAdminTwoFactor && current.requireAdminTwoFactor !== 'on' && !actor.hasTwoFactor) {
      return refused({
        requireAdminTwoFactor: 'Set up two-factor sign-in for your own account first (My account → Two-factor sign-in), then turn this on.',
      });
    }
    let logoName: string | undefined;
    if (logo && logo.length > MAX_LOGO_BYTES) return refused({ logo: 'The logo is larger than 2 MB. Save it smaller (about 96 pixels high is enough) and upload it again.' });
    if (logo && logo.length > 0) {
      const type = IMAGE_TYPES.find((t) => t.test(logo));
      if (!type) return refused({ logo: 'The logo must be a PNG, JPEG, WebP or GIF image.' });
      logoName = `logo-${crypto.createHash('sha256').update(logo).digest('hex').slice(0, 16)}.${type.ext}`;
      await fs.mkdir(this.uploadsDir, { recursive: true });
      await fs.writeFile(path.join(this.uploadsDir, logoName), logo);
    }
    const values: Partial<SiteSettings> = {
      associationName: input.associationName,
      shortName: input.shortName,
      tagline: input.tagline,
      contactEmail: input.contactEmail,
      timeZone: input.timeZone,
      requireAdminTwoFactor: input.requireAdminTwoFactor ? 'on' : '',
      ...(logoName ? { logo: logoName } : input.removeLogo ? { logo: '' } : {}),
    };
    let version = '';
    await this.db.transaction().execute(async (trx) => {
      const before = await this.state.getSettings(trx);
      await this.state.saveSettings(trx, values);
      const changes = changesOf<SiteSettings>(before, { ...before, ...values }, SETTING_LABELS);
      if (changes.length) {
        await recordAudit(trx, by, this.clock.now().toISOString(), {
          action: 'settings.changed',
          summary: 'Changed the settings',
          subject: { type: 'settings', label: 'Settings' },
          changes,
        });
      }
      version = await this.state.bump(trx);
    });
    this.state.noteChanged(version);
    return ok(await this.state.getSettings());
  }

  /** The bytes and type of an uploaded file, or undefined (names are checked, never joined blindly). */
  async readUpload(name: string): Promise<{ body: Buffer; type: string } | undefined> {
    const match = /^logo-[0-9a-f]{16}\.(png|jpg|webp|gif)$/.exec(name);
    if (!match) return undefined;
    try {
      return { body: await fs.readFile(path.join(this.uploadsDir, name)), type: UPLOAD_TYPES[match[1]!]! };
    } catch {
      return undefined;
    }
  }
}
