import { z } from 'zod';
import { DAY, iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import { checkbox } from '#core/http/forms.js';
import type { Executor } from '#core/db/index.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { AccountsService } from '#modules/accounts/index.js';
import { DirectoryMemory } from './memory.js';
import * as dq from './queries.js';
import { DIRECTORY_VISIBILITIES, displayValue, type FieldValue, type MemberFieldsService } from '../fields/index.js';
import { fieldQueries as fq } from '../fields/index.js';
import { updateMembership } from '../lifecycle/index.js';
import { publicContactInput } from '../lifecycle/index.js';
import { nameText } from '../lifecycle/index.js';

/**
 * Member profiles and the members-only directory. A member edits their built-in fields, the board's
 * member fields and their privacy: whether they are listed at all, and whether members see their
 * e-mail, phone and mailing address. Name, organization, job title, city and state are what a
 * listing always shows.
 *
 * The directory searches a derived index of word prefixes (docs/decisions/0014-member-directory.md): every
 * membership the database triggers noted as changed is re-indexed before a search answers. Each
 * process searches a copy of that index held in memory, read again when its version changes
 * (docs/decisions/0018-directory-search-in-memory.md).
 */

export const PER_PAGE = 25;
const MAX_WORDS = 5;
const MAX_TERM = 60;
const INDEX_BATCH = 1000;

export const PRIVACY_DEFAULTS = { listed: true, show_email: true, show_phone: false, show_address: false };
export type Privacy = typeof PRIVACY_DEFAULTS;

export const profileInput = z.object({
  name: nameText('your full name'),
  ...publicContactInput,
  listed: checkbox(),
  show_email: checkbox(),
  show_phone: checkbox(),
  show_address: checkbox(),
});
export type ProfileInput = z.output<typeof profileInput>;

/** The words of a text as the index keeps them: lower case, accents dropped, apostrophes joined ("O'Brien" → obrien). */
export function searchWords(value: string): string[] {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w) => w.slice(0, MAX_TERM));
}

const sortName = (name: string) => searchWords(name).join(' ') || name.toLowerCase();

/** What a listing shows: only what the member allows. */
export interface DirectoryCard {
  name: string;
  jobTitle: string;
  organization: string;
  /** City and state. */
  place: string;
  email: string | null;
  phone: string | null;
  address: string[] | null;
  fields: { label: string; value: string }[];
}

const flag = (stored: number | null, fallback: boolean) => (stored === null ? fallback : stored === 1);

function cardOf(r: Awaited<ReturnType<typeof dq.indexSources>>[number], fields: { label: string; value: string }[]): DirectoryCard {
  const place = [r.city, r.region].filter(Boolean).join(', ');
  const address = [r.address_line1, r.address_line2, [place, r.postal_code].filter(Boolean).join(' ')].filter(Boolean);
  return {
    name: r.name,
    jobTitle: r.job_title,
    organization: r.organization,
    place,
    email: flag(r.show_email, PRIVACY_DEFAULTS.show_email) ? r.email : null,
    phone: flag(r.show_phone, PRIVACY_DEFAULTS.show_phone) && r.phone ? r.phone : null,
    address: flag(r.show_address, PRIVACY_DEFAULTS.show_address) && r.address_line1 ? address : null,
    fields,
  };
}

async function reindex(trx: Executor, ids: number[]) {
  const [rows, values] = await Promise.all([dq.indexSources(trx, ids), fq.valuesFor(trx, ids, DIRECTORY_VISIBILITIES)]);
  const fieldsOf = new Map<number, { label: string; value: string }[]>();
  for (const v of values) {
    if (!fieldsOf.has(v.membership_id)) fieldsOf.set(v.membership_id, []);
    fieldsOf.get(v.membership_id)!.push({ label: v.label, value: displayValue(v.type, v.value) });
  }
  const entries = rows.map((r) => ({
    membership_id: r.id,
    sort_name: sortName(r.name),
    visible_until: r.status === 'active' && r.expires_at && flag(r.listed, PRIVACY_DEFAULTS.listed) ? iso(new Date(new Date(r.expires_at).getTime() + r.grace_days * DAY)) : null,
    card: JSON.stringify(cardOf(r, fieldsOf.get(r.id) ?? [])),
  }));
  const terms = rows.flatMap((r) => [...new Set(searchWords(`${r.name} ${r.organization} ${r.city}`))].map((term) => ({ term, membership_id: r.id })));
  await dq.replaceIndex(trx, ids, entries, terms);
  // Every process holding the index in memory reads it again before its next search.
  await dq.bumpIndexVersion(trx);
}

/**
 * Re-index every membership noted as changed; returns how many. Cheap when none are (one indexed
 * read). The directory calls it before each search; bulk loaders may call it once at the end.
 */
export async function refreshDirectoryIndex(db: Db): Promise<number> {
  let total = 0;
  while (await dq.anyDirty(db)) {
    const done = await db.transaction().execute(async (trx) => {
      const ids = await dq.takeDirty(trx, INDEX_BATCH);
      if (ids.length) await reindex(trx, ids);
      return ids.length;
    });
    if (done === 0) break;
    total += done;
  }
  return total;
}

export class DirectoryService {
  constructor(
    private db: Db,
    private clock: Clock,
    private accounts: AccountsService,
    private fields: MemberFieldsService,
  ) {}

  refresh = () => refreshDirectoryIndex(this.db);

  /** A member's profile for editing: built-in fields, member fields and privacy; null without a membership. */
  async profile(userId: number) {
    const row = await dq.profileOf(this.db, userId);
    if (!row) return null;
    const [fields, values] = await Promise.all([this.fields.list(), fq.valuesFor(this.db, [row.id])]);
    const privacy: Privacy = {
      listed: flag(row.listed, PRIVACY_DEFAULTS.listed),
      show_email: flag(row.show_email, PRIVACY_DEFAULTS.show_email),
      show_phone: flag(row.show_phone, PRIVACY_DEFAULTS.show_phone),
      show_address: flag(row.show_address, PRIVACY_DEFAULTS.show_address),
    };
    return { membership: row, privacy, fields, values };
  }

  async saveProfile(userId: number, input: ProfileInput, values: FieldValue[]): Promise<Outcome<null>> {
    const row = await dq.profileOf(this.db, userId);
    if (!row) return refused({ form: 'You have no membership, so there is no member profile to save.' });
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      if (input.name !== row.name) await this.accounts.rename(trx, userId, input.name);
      await updateMembership(trx, row.id, {
        organization: input.organization,
        job_title: input.job_title,
        phone: input.phone,
        address_line1: input.address_line1,
        address_line2: input.address_line2,
        city: input.city,
        region: input.region,
        postal_code: input.postal_code,
        updated_at: now,
      });
      await fq.saveFieldValues(trx, row.id, values);
      const bit = (b: boolean) => (b ? 1 : 0);
      await dq.savePrivacy(trx, {
        membership_id: row.id,
        listed: bit(input.listed),
        show_email: bit(input.show_email),
        show_phone: bit(input.show_phone),
        show_address: bit(input.show_address),
        updated_at: now,
      });
      // The directory shows the change at once, not on its next search.
      await dq.dropDirty(trx, [row.id]);
      await reindex(trx, [row.id]);
    });
    return ok(null);
  }

  private memory: DirectoryMemory<DirectoryCard> | null = null;
  private loading: { version: string; done: Promise<DirectoryMemory<DirectoryCard>> } | null = null;

  /** The index in memory, read again when its version in the database (re-indexing first if needed) has changed. */
  private async index(): Promise<DirectoryMemory<DirectoryCard>> {
    let { version, dirty } = await dq.indexState(this.db);
    if (dirty) {
      await this.refresh();
      version = await dq.indexVersion(this.db);
    }
    if (this.memory?.version === version) return this.memory;
    if (this.loading?.version !== version) {
      const done = this.load(version).finally(() => {
        if (this.loading?.done === done) this.loading = null;
      });
      this.loading = { version, done };
    }
    return this.loading.done;
  }

  private async load(version: string): Promise<DirectoryMemory<DirectoryCard>> {
    const [members, terms] = await Promise.all([dq.listable(this.db), dq.allTerms(this.db)]);
    const memory = new DirectoryMemory(
      version,
      members.map((m) => ({ id: m.membership_id, sortName: m.sort_name, visibleUntil: m.visible_until!, card: m.card })),
      terms,
      (stored) => JSON.parse(stored) as DirectoryCard,
    );
    // Changed while it was read: good enough for this search, not kept (the next one reads it again).
    if ((await dq.indexVersion(this.db)) === version) this.memory = memory;
    return memory;
  }

  /**
   * Listed, active members whose name, organization or city has words starting with each word of
   * `q` (all of them when `q` has none), by name, a page at a time; each shows only what it allows.
   */
  async search(options: { q: string; page: number }) {
    const words = [...new Set(searchWords(options.q))].slice(0, MAX_WORDS);
    const found = (await this.index()).search(words, iso(this.clock.now()), PER_PAGE, options.page);
    // The very card objects the index holds (not copies): the page keeps each one's HTML.
    const entries: readonly DirectoryCard[] = found.members.map((m) => m.card);
    return { entries, ids: found.members.map((m) => m.id), total: found.total, page: found.page, pages: Math.max(1, Math.ceil(found.total / PER_PAGE)) };
  }
}
