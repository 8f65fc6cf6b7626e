/**
 * Generates members for the directory benchmark (and the 10,000-member test): users, active
 * memberships, some privacy choices and member-field answers, written with batch inserts straight
 * into a migrated, seeded Headworks database, then the directory's search index built once.
 *
 * 10,000 members take a few seconds on SQLite. Deterministic: the same seed gives the same people.
 */
import type { Kysely } from 'kysely';
import type { DB } from '#core/db/schema.js';
import { refreshDirectoryIndex } from '#modules/membership/directory/service.js';

export interface DirectoryDataOptions {
  /** When the memberships are current (default: now); they run a year from `now` minus a few months. */
  now?: Date;
  /** A password hash (hashPassword from core/auth/passwords) every generated member can log in with; default none. */
  passwordHash?: string | null;
  /** Seed of the generator (default 20260301). */
  seed?: number;
  /** Add two member fields (certification level, years in pretreatment) and answers (default true). */
  memberFields?: boolean;
}

export interface DirectoryDataSummary {
  members: number;
  /** The e-mail address of the first generated member (active and listed): log in as them. */
  firstEmail: string;
  /** A query that finds a realistic share of them, e.g. for /directory?q=… */
  sampleQuery: string;
  ms: number;
}

const FIRST = (
  'Pat Alex Sam Jordan Taylor Morgan Casey Jamie Robin Lee Chris Dana Kim Terry Jesse Maria José Ana Luis Carmen Wei Priya Amir ' +
  'Fatima Olga Ivan Hannah Noah Emma Liam Olivia Ethan Sofia Mateo Grace Ryan Chloe Daniel Zoe Aaron Mia Lucas Nora Owen Ruth'
).split(' ');
const LAST = (
  'Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor ' +
  'Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott ' +
  'Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Núñez O’Brien Kowalski Schmidt'
).split(' ');
const CITIES = [
  ['Denver', '802'],
  ['Boulder', '803'],
  ['Aurora', '800'],
  ['Fort Collins', '805'],
  ['Colorado Springs', '809'],
  ['Pueblo', '810'],
  ['Greeley', '806'],
  ['Longmont', '805'],
  ['Loveland', '805'],
  ['Grand Junction', '815'],
  ['Lakewood', '802'],
  ['Arvada', '800'],
  ['Westminster', '800'],
  ['Thornton', '802'],
  ['Durango', '813'],
  ['Littleton', '801'],
  ['Golden', '804'],
  ['Brighton', '806'],
  ['Castle Rock', '801'],
  ['Steamboat Springs', '804'],
] as const;
const ORG_KINDS = ['City of', 'Town of', 'Metro Water Recovery', 'Utilities', 'Sanitation District', 'Laboratories', 'Environmental Consulting', 'County of'];
const TITLES = [
  'Pretreatment Coordinator',
  'Industrial Inspector',
  'Environmental Compliance Specialist',
  'Laboratory Analyst',
  'Permit Writer',
  'Sampling Technician',
  'Program Manager',
  'Consultant',
];
const LEVELS = ['Class A', 'Class B', 'Class C', 'Class D', 'None'];

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHUNK = 500;

/**
 * Add `count` members to the database (which the app has migrated and seeded: it needs a
 * membership level). Roughly 90% are active, 5% of those not listed; the rest lapsed.
 */
export async function generateDirectoryMembers(db: Kysely<DB>, count: number, options: DirectoryDataOptions = {}): Promise<DirectoryDataSummary> {
  const started = performance.now();
  const rand = prng(options.seed ?? 20260301);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const now = options.now ?? new Date();
  const level = await db.selectFrom('membership_levels').select('id').orderBy('position').orderBy('id').executeTakeFirst();
  if (!level) throw new Error('No membership level: open the site once (it seeds its levels) before generating members.');
  // E-mail addresses carry a run number, so the generator can add members to a database twice.
  const run = Number(
    (
      await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  const DAY = 86_400_000;

  let fieldIds: { level: number; years: number } | null = null;
  if (options.memberFields ?? true) {
    const existing = await db.selectFrom('member_fields').select(['id', 'key']).where('key', 'in', ['certification_level', 'years_in_pretreatment']).execute();
    const ensure = async (key: string, values: { label: string; type: 'choice' | 'text'; choices: string; position: number }) =>
      existing.find((f) => f.key === key)?.id ??
      (
        await db
          .insertInto('member_fields')
          .values({ key, ...values, required: 0, visibility: 'members', created_at: iso(now.getTime()), updated_at: iso(now.getTime()) })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    fieldIds = {
      level: await ensure('certification_level', { label: 'Certification level', type: 'choice', choices: LEVELS.join('\n'), position: 1 }),
      years: await ensure('years_in_pretreatment', { label: 'Years in pretreatment', type: 'text', choices: '', position: 2 }),
    };
  }

  let firstEmail = '';
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < count; start += CHUNK) {
      const size = Math.min(CHUNK, count - start);
      const people = Array.from({ length: size }, (_, k) => {
        const i = start + k;
        const [city, zip] = pick(CITIES);
        const first = pick(FIRST);
        const last = pick(LAST);
        const orgKind = pick(ORG_KINDS);
        const orgCity = rand() < 0.7 ? city : pick(CITIES)[0];
        const organization = orgKind.endsWith('of') ? `${orgKind} ${orgCity}` : `${orgCity} ${orgKind}`;
        const active = i === 0 || rand() < 0.9;
        const joined = now.getTime() - Math.floor(rand() * 300 + 30) * DAY;
        return {
          email: `member${run + i + 1}@directory.example.org`,
          name: `${first} ${last}`,
          city,
          zip: `${zip}${String(Math.floor(rand() * 100)).padStart(2, '0')}`,
          organization,
          title: pick(TITLES),
          phone: `${pick(['303', '720', '970', '719'])}-555-${String(Math.floor(rand() * 10000)).padStart(4, '0')}`,
          status: active ? ('active' as const) : ('lapsed' as const),
          started: joined,
          expires: active ? joined + 365 * DAY : now.getTime() - Math.floor(rand() * 200 + 40) * DAY,
          privacy:
            i === 0 || rand() < 0.75
              ? null
              : { listed: rand() < 0.8 ? 1 : 0, show_email: rand() < 0.7 ? 1 : 0, show_phone: rand() < 0.5 ? 1 : 0, show_address: rand() < 0.2 ? 1 : 0 },
          cert: pick(LEVELS),
          years: String(1 + Math.floor(rand() * 30)),
        };
      });
      if (start === 0) firstEmail = people[0]!.email;
      const users = await trx
        .insertInto('users')
        .values(
          people.map((p) => ({
            email: p.email,
            name: p.name,
            password_hash: options.passwordHash ?? null,
            role: 'member' as const,
            email_verified_at: iso(p.started),
            created_at: iso(p.started),
            updated_at: iso(p.started),
          })),
        )
        .returning(['id', 'email'])
        .execute();
      const userId = new Map(users.map((u) => [u.email, u.id]));
      const memberships = await trx
        .insertInto('memberships')
        .values(
          people.map((p) => ({
            user_id: userId.get(p.email)!,
            level_id: level.id,
            status: p.status,
            organization: p.organization,
            job_title: p.title,
            phone: p.phone,
            address_line1: `${100 + Math.floor(rand() * 9900)} ${pick(['Main', 'Water', 'River', 'Pine', 'Elm', 'Canyon', 'Mesa'])} St`,
            address_line2: '',
            city: p.city,
            region: 'CO',
            postal_code: p.zip,
            started_at: iso(p.started),
            expires_at: iso(p.expires),
            auto_renew: 0,
            bundle_id: null,
            created_at: iso(p.started),
            updated_at: iso(p.started),
          })),
        )
        .returning(['id', 'user_id'])
        .execute();
      const membershipOf = new Map(memberships.map((m) => [m.user_id, m.id]));
      const idOf = (p: (typeof people)[number]) => membershipOf.get(userId.get(p.email)!)!;
      const privacy = people.filter((p) => p.privacy).map((p) => ({ membership_id: idOf(p), ...p.privacy!, updated_at: iso(now.getTime()) }));
      if (privacy.length) await trx.insertInto('member_privacy').values(privacy).execute();
      if (fieldIds) {
        const ids = fieldIds;
        const answers = people.flatMap((p) => [
          { membership_id: idOf(p), field_id: ids.level, value: p.cert },
          { membership_id: idOf(p), field_id: ids.years, value: p.years },
        ]);
        await trx.insertInto('member_field_values').values(answers).execute();
      }
    }
  });
  await refreshDirectoryIndex(db);
  return { members: count, firstEmail, sampleQuery: 'garcia', ms: performance.now() - started };
}
