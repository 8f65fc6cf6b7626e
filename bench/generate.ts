/**
 * Fills a fresh DATA_DIR with a realistic site for the benchmark: the app's own seeded site
 * (it seeds itself on first open) plus generated content pages and news posts, written through
 * the site service exactly as the admin screens would write them.
 *
 * Usable on its own: `node --import tsx bench/generate.ts <dir> [pages] [news]`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHeadworks } from '#src/app.js';
import { DAY, type Clock } from '#core/clock.js';
import { loadConfig } from '#src/config.js';
import { newsInput, pageInput } from '#modules/site/service.js';
import { hashPassword } from '#core/auth/passwords.js';
import { generateDirectoryMembers } from './directory-data.js';

export interface GenerateOptions {
  pages?: number;
  news?: number;
  /** Members for the directory search (default 10,000). */
  members?: number;
}

export interface GenerateSummary {
  pages: number;
  news: number;
  ms: number;
  /** A generated member to log in as, and a search that finds some of the others. */
  directory: { members: number; email: string; password: string; query: string };
}

const MEMBER_PASSWORD = 'benchmark member password';

/** A small deterministic PRNG (mulberry32), so every run builds the same site. */
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

const WORDS = (
  'pretreatment permit sampling discharge industrial user compliance inspection local limits ' +
  'wastewater treatment plant board members training tour certificate enforcement monitoring report ' +
  'annual conference association volunteer program quarterly meeting regional colorado water quality ' +
  'laboratory analysis method grease interceptor best management practices spill prevention ' +
  'the of and to in for with on at by from a an is are will be our your this that these'
).split(' ');

function makeText(rand: () => number) {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const sentence = () => {
    const n = 8 + Math.floor(rand() * 14);
    const words = Array.from({ length: n }, () => pick(WORDS));
    const s = words.join(' ');
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(' ');
  const title = (min: number, extra: number) => {
    const s = Array.from({ length: min + Math.floor(rand() * extra) }, () => pick(WORDS)).join(' ');
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
  };
  return { sentence, paragraph, title, pick };
}

function pageBody(rand: () => number) {
  const t = makeText(rand);
  const parts: string[] = [t.paragraph()];
  const sections = 2 + Math.floor(rand() * 4);
  for (let s = 0; s < sections; s++) {
    parts.push(`## ${t.title(2, 4)}`);
    parts.push(t.paragraph());
    if (rand() < 0.6) {
      parts.push(Array.from({ length: 3 + Math.floor(rand() * 4) }, () => `- ${t.sentence()}`).join('\n'));
    }
    if (rand() < 0.5) parts.push(`${t.paragraph()} See [the news](/news) or [contact us](/contact) for details.`);
    if (rand() < 0.2) parts.push(`> ${t.sentence()}`);
  }
  return parts.join('\n\n');
}

function newsBody(rand: () => number) {
  const t = makeText(rand);
  const parts = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => t.paragraph());
  if (rand() < 0.4) parts.push(Array.from({ length: 3 }, () => `1. ${t.sentence()}`).join('\n'));
  if (rand() < 0.5) parts.push(`Read more on our [trainings page](/trainings) or write to [the board](mailto:board@example.org).`);
  return parts.join('\n\n');
}

/** Create the data set in `dataDir` (which should be empty) and close the database again. */
export async function generate(dataDir: string, options: GenerateOptions = {}): Promise<GenerateSummary> {
  const started = performance.now();
  const pageCount = options.pages ?? 200;
  const newsCount = options.news ?? 1000;
  const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'warn' });

  // News is written with a clock that walks forward from ~3 years ago, so posts carry spread-out
  // publication dates (all in the past, hence published on the running site).
  let time = Date.now() - (newsCount + 30) * DAY;
  const clock: Clock = { now: () => new Date(time) };
  const hw = await createHeadworks(config, { clock });
  const rand = prng(20240601);
  const t = makeText(rand);
  let directory: GenerateSummary['directory'];
  try {
    const used = new Set<string>();
    const unique = (title: string) => {
      let slug = title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60)
        .replace(/-+$/g, '');
      if (used.has(slug)) slug = `${slug}-${used.size}`;
      used.add(slug);
      return slug;
    };

    for (let i = 0; i < pageCount; i++) {
      const title = `${t.title(2, 4)} ${i + 1}`;
      const input = pageInput.parse({
        title,
        slug: unique(`page ${title}`),
        description: rand() < 0.5 ? t.sentence().slice(0, 150) : '',
        body: pageBody(rand),
        visibility: rand() < 0.1 ? 'members' : 'public',
        menu_order: '', // generated pages are linked from content, not from the menu
      });
      const saved = await hw.site.savePage(null, input);
      if (!saved.ok) throw new Error(`could not save page ${i}: ${JSON.stringify(saved.errors)}`);
    }

    for (let i = 0; i < newsCount; i++) {
      time += DAY;
      const title = `${t.title(3, 5)} ${i + 1}`;
      const input = newsInput.parse({
        title,
        slug: unique(`news ${title}`),
        summary: rand() < 0.5 ? t.sentence().slice(0, 200) : '',
        body: newsBody(rand),
        visibility: rand() < 0.1 ? 'members' : 'public',
        ...(rand() < 0.05 ? {} : { published: 'on' }),
      });
      const saved = await hw.site.saveNews(null, input);
      if (!saved.ok) throw new Error(`could not save news post ${i}: ${JSON.stringify(saved.errors)}`);
    }
    const people = await generateDirectoryMembers(hw.database.db, options.members ?? 10_000, {
      now: new Date(),
      passwordHash: await hashPassword(MEMBER_PASSWORD),
    });
    directory = { members: options.members ?? 10_000, email: people.firstEmail, password: MEMBER_PASSWORD, query: people.sampleQuery };
  } finally {
    await hw.close();
  }
  return { pages: pageCount, news: newsCount, ms: performance.now() - started, directory };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [dir, pages, news] = process.argv.slice(2);
  if (!dir) {
    console.error('Usage: node --import tsx bench/generate.ts <data-dir> [pages] [news]');
    process.exit(2);
  }
  generate(dir, { pages: pages ? Number(pages) : undefined, news: news ? Number(news) : undefined }).then(
    (s) => console.log(`Generated ${s.pages} pages and ${s.news} news posts in ${path.resolve(dir)} (${Math.round(s.ms)} ms).`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
