import type { Transaction } from 'kysely';
import { z } from 'zod';
import { changesOf, recordAudit, type Actor } from '#core/audit/index.js';
import { iso, type Clock } from '#core/clock.js';
import type { Db } from '#core/db/index.js';
import type { DB } from '#core/db/schema.js';
import { checkbox, optionalText, text } from '#core/http/forms.js';
import { markdownToText, renderMarkdown } from '#core/markdown.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import type { MenuItem } from '#core/views/context.js';
import * as q from './queries.js';
import { seedNews, seedPages } from './seed-content.js';

/** Addresses the application itself answers; a page may not take them. */
export const RESERVED_SLUGS = new Set([
  'admin',
  'login',
  'logout',
  'account',
  'news',
  'assets',
  'uploads',
  'healthz',
  'sitemap.xml',
  'robots.txt',
  'forgot-password',
  'reset-password',
  'setup',
  'api',
  'members-area',
  'events',
  'forum',
  'library',
  'directory',
]);

export const HOME_SLUG = 'home';
const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
}

const slugField = z
  .string()
  .trim()
  .toLowerCase()
  .max(80, 'Use at most 80 characters for the web address.')
  .refine((v) => v === '' || SLUG_RE.test(v), 'Use only lower-case letters, digits and single hyphens, such as "annual-conference".');

export const pageInput = z.object({
  title: text('a title', 150),
  slug: slugField.optional().transform((v) => v ?? ''),
  description: optionalText('the description', 300),
  body: z
    .string()
    .max(100_000, 'The text is too long (at most 100,000 characters).')
    .optional()
    .transform((v) => v ?? ''),
  visibility: z.enum(['public', 'members'], { error: 'Choose who can see the page.' }),
  menu_order: z
    .string()
    .trim()
    .optional()
    .transform((v) => v ?? '')
    .refine((v) => v === '' || /^\d{1,3}$/.test(v), 'Enter a whole number from 1 to 999, or leave it empty.')
    .transform((v) => (v === '' ? null : Number(v)))
    .refine((v) => v === null || (v >= 1 && v <= 999), 'Enter a whole number from 1 to 999, or leave it empty.'),
});
export type PageInput = z.output<typeof pageInput>;

export const newsInput = z.object({
  title: text('a title', 150),
  slug: slugField.optional().transform((v) => v ?? ''),
  summary: optionalText('the summary', 300),
  body: z.string().trim().min(1, 'Write the text of the post.').max(100_000, 'The text is too long (at most 100,000 characters).'),
  visibility: z.enum(['public', 'members'], { error: 'Choose who can see the post.' }),
  published: checkbox(),
});
export type NewsInput = z.output<typeof newsInput>;

const CACHE_LIMIT = 500;

const PAGE_LABELS = { title: 'Title', slug: 'Address', description: 'Description', body_md: 'Text', visibility: 'Who can see it', menu_order: 'Menu position' };
const NEWS_LABELS = { title: 'Title', slug: 'Address', summary: 'Summary', body_md: 'Text', visibility: 'Who can see it', published_at: 'Published' };

/** Pages, news, the menu and the feeds: what the public site shows, and what admins edit. */
export class SiteService {
  // Kept as UTF-8 bytes: sending a Buffer skips re-encoding the page on every request.
  private pageCache = new Map<string, { version: string; body: Buffer }>();
  private menuCache = new Map<boolean, { version: string; items: MenuItem[] }>();

  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
  ) {}

  /** Rendered HTML kept for anonymous visitors, if it is still current. */
  async cachedPage(key: string): Promise<Buffer | undefined> {
    const version = await this.state.currentVersion();
    const hit = this.pageCache.get(key);
    return hit && hit.version === version ? hit.body : undefined;
  }

  /** Keep rendered HTML until an admin next changes content. */
  async keepPage(key: string, content: string): Promise<Buffer> {
    const version = await this.state.currentVersion();
    const body = Buffer.from(content);
    if (this.pageCache.size >= CACHE_LIMIT) this.pageCache.clear();
    this.pageCache.set(key, { version, body });
    return body;
  }

  /** A cached document (page, feed, sitemap), rendered again after content changes. */
  async cached(key: string, render: () => Promise<string>): Promise<Buffer> {
    return (await this.cachedPage(key)) ?? this.keepPage(key, await render());
  }

  async menu(signedIn: boolean): Promise<MenuItem[]> {
    const version = await this.state.currentVersion();
    const hit = this.menuCache.get(signedIn);
    if (hit && hit.version === version) return hit.items;
    const rows = await q.listMenuPages(this.db, signedIn);
    const items = rows.map((r) => ({ title: r.title, href: `/${r.slug}` }));
    this.menuCache.set(signedIn, { version, items });
    return items;
  }

  getPage = (slug: string) => q.findPageBySlug(this.db, slug);
  getPageById = (id: number) => q.findPageById(this.db, id);
  listPages = () => q.listPages(this.db);

  /** Run a change to public content and make every cache see it. */
  private async change<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    let version = '';
    const result = await this.db.transaction().execute(async (trx) => {
      const value = await work(trx);
      version = await this.state.bump(trx);
      return value;
    });
    this.state.noteChanged(version);
    return result;
  }

  async savePage(id: number | null, input: PageInput, by?: Actor): Promise<Outcome<{ id: number; slug: string }>> {
    const existing = id === null ? undefined : await q.findPageById(this.db, id);
    if (id !== null && !existing) return refused({ form: 'This page no longer exists.' }, 'not_found');
    const isHome = existing?.slug === HOME_SLUG;
    const slug = isHome ? HOME_SLUG : input.slug || slugify(input.title);
    if (!slug) return refused({ slug: 'Enter a web address made of letters or digits.' });
    if (!isHome && (RESERVED_SLUGS.has(slug) || slug === HOME_SLUG)) {
      return refused({ slug: `The address "/${slug}" is used by the site itself. Choose another.` });
    }
    if (isHome && input.visibility !== 'public') return refused({ visibility: 'The home page must stay public.' });
    const clash = await q.findPageBySlug(this.db, slug);
    if (clash && clash.id !== id) return refused({ slug: `Another page already uses "/${slug}". Choose another address.` });
    const now = iso(this.clock.now());
    const row = {
      slug,
      title: input.title,
      description: input.description || (await markdownToText(input.body)).slice(0, 155),
      body_md: input.body,
      body_html: await renderMarkdown(input.body),
      visibility: input.visibility,
      menu_order: isHome ? null : input.menu_order,
      updated_at: now,
    };
    const savedId = await this.change(async (trx) => {
      const saved = id === null ? (await q.insertPage(trx, { ...row, created_at: now })).id : id;
      if (id !== null) await q.updatePage(trx, id, row);
      const changes = changesOf<typeof row>(existing ?? {}, row, PAGE_LABELS, { format: { menu_order: (v) => (v === null || v === undefined ? 'not in the menu' : String(v)) } });
      if (changes.length) {
        await recordAudit(trx, by, now, {
          action: existing ? 'page.changed' : 'page.created',
          summary: `${existing ? 'Changed' : 'Added'} the page ${row.title}`,
          subject: { type: 'page', id: saved, label: row.title },
          changes,
        });
      }
      return saved;
    });
    return ok({ id: savedId, slug });
  }

  async deletePage(id: number, by?: Actor): Promise<Outcome<null>> {
    const page = await q.findPageById(this.db, id);
    if (!page) return refused({ form: 'This page no longer exists.' }, 'not_found');
    if (page.slug === HOME_SLUG) return refused({ form: 'The home page cannot be deleted; edit it instead.' });
    await this.change(async (trx) => {
      await q.deletePage(trx, id);
      await recordAudit(trx, by, iso(this.clock.now()), {
        action: 'page.deleted',
        summary: `Deleted the page ${page.title}`,
        subject: { type: 'page', id, label: page.title },
        changes: [{ field: 'Address', before: `/${page.slug}`, after: '' }],
      });
    });
    return ok(null);
  }

  // News

  getNews = (slug: string) => q.findNewsBySlug(this.db, slug);
  getNewsById = (id: number) => q.findNewsById(this.db, id);
  listAllNews = () => q.listAllNews(this.db);

  async publishedNews(options: { signedIn: boolean; page: number; perPage: number }) {
    const now = iso(this.clock.now());
    const [posts, total] = await Promise.all([
      q.listPublishedNews(this.db, { includeMembers: options.signedIn, limit: options.perPage, offset: (options.page - 1) * options.perPage, now }),
      q.countPublishedNews(this.db, { includeMembers: options.signedIn, now }),
    ]);
    return { posts, total, pages: Math.max(1, Math.ceil(total / options.perPage)) };
  }

  isPublished(post: { published_at: string | null }) {
    return post.published_at !== null && post.published_at <= iso(this.clock.now());
  }

  async saveNews(id: number | null, input: NewsInput, by?: Actor): Promise<Outcome<{ id: number; slug: string }>> {
    const existing = id === null ? undefined : await q.findNewsById(this.db, id);
    if (id !== null && !existing) return refused({ form: 'This post no longer exists.' }, 'not_found');
    const slug = input.slug || slugify(input.title);
    if (!slug) return refused({ slug: 'Enter a web address made of letters or digits.' });
    if (slug === 'feed.xml') return refused({ slug: 'That address is used by the news feed. Choose another.' });
    const clash = await q.findNewsBySlug(this.db, slug);
    if (clash && clash.id !== id) return refused({ slug: `Another post already uses "/news/${slug}". Choose another address.` });
    const now = iso(this.clock.now());
    // The publication date is set the first time a post is published and kept after that.
    const publishedAt = input.published ? (existing?.published_at ?? now) : null;
    const row = {
      slug,
      title: input.title,
      summary: input.summary || (await markdownToText(input.body)).slice(0, 200),
      body_md: input.body,
      body_html: await renderMarkdown(input.body),
      visibility: input.visibility,
      published_at: publishedAt,
      updated_at: now,
    };
    const savedId = await this.change(async (trx) => {
      const saved = id === null ? (await q.insertNews(trx, { ...row, created_at: now })).id : id;
      if (id !== null) await q.updateNews(trx, id, row);
      const changes = changesOf<typeof row>(existing ?? {}, row, NEWS_LABELS, { format: { published_at: (v) => (v ? 'published' : 'draft') } });
      if (changes.length) {
        await recordAudit(trx, by, now, {
          action: existing ? 'news.changed' : 'news.created',
          summary: `${existing ? 'Changed' : 'Added'} the news post ${row.title}`,
          subject: { type: 'news', id: saved, label: row.title },
          changes,
        });
      }
      return saved;
    });
    return ok({ id: savedId, slug });
  }

  async deleteNews(id: number, by?: Actor): Promise<Outcome<null>> {
    const post = await q.findNewsById(this.db, id);
    if (!post) return refused({ form: 'This post no longer exists.' }, 'not_found');
    await this.change(async (trx) => {
      await q.deleteNews(trx, id);
      await recordAudit(trx, by, iso(this.clock.now()), {
        action: 'news.deleted',
        summary: `Deleted the news post ${post.title}`,
        subject: { type: 'news', id, label: post.title },
        changes: [{ field: 'Address', before: `/news/${post.slug}`, after: '' }],
      });
    });
    return ok(null);
  }

  // Feeds

  async sitemapEntries() {
    const pages = await q.listPublicPages(this.db);
    const { posts } = await this.publishedNews({ signedIn: false, page: 1, perPage: 1000 });
    return [
      ...pages.map((p) => ({ path: p.slug === HOME_SLUG ? '/' : `/${p.slug}`, updated: p.updated_at })),
      { path: '/news', updated: posts[0]?.updated_at ?? null },
      ...posts.map((p) => ({ path: `/news/${p.slug}`, updated: p.updated_at })),
    ];
  }

  /** Fill an empty site with the starting pages and news (first start only). */
  async seedIfEmpty() {
    if (await q.anyPage(this.db)) return false;
    const now = iso(this.clock.now());
    await this.change(async (trx) => {
      for (const page of seedPages) {
        await q.insertPage(trx, {
          slug: page.slug,
          title: page.title,
          description: page.description,
          body_md: page.bodyMarkdown,
          body_html: await renderMarkdown(page.bodyMarkdown),
          visibility: page.visibility,
          menu_order: page.menuOrder,
          created_at: now,
          updated_at: now,
        });
      }
      for (const post of seedNews) {
        await q.insertNews(trx, {
          slug: post.slug,
          title: post.title,
          summary: post.summary,
          body_md: post.bodyMarkdown,
          body_html: await renderMarkdown(post.bodyMarkdown),
          visibility: 'public',
          published_at: now,
          created_at: now,
          updated_at: now,
        });
      }
    });
    return true;
  }
}
