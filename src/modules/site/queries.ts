import type { Selectable } from 'kysely';
import type { Db, Executor } from '#core/db/index.js';
import type { NewsPostsTable, PagesTable } from './tables.js';

export type PageRow = Selectable<PagesTable>;
export type NewsRow = Selectable<NewsPostsTable>;
export type PageWrite = Omit<PageRow, 'id' | 'created_at'>;
export type NewsWrite = Omit<NewsRow, 'id' | 'created_at'>;

export const findPageBySlug = (db: Executor, slug: string) => db.selectFrom('pages').selectAll().where('slug', '=', slug).executeTakeFirst();

export const anyPage = (db: Executor) => db.selectFrom('pages').select('id').limit(1).executeTakeFirst();

export const findPageById = (db: Executor, id: number) => db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();

export const listPages = (db: Db) =>
  db
    .selectFrom('pages')
    .select(['id', 'slug', 'title', 'visibility', 'menu_order', 'updated_at'])
    .orderBy((eb) => eb.case().when('menu_order', 'is', null).then(1).else(0).end())
    .orderBy('menu_order')
    .orderBy('title')
    .execute();

export const listMenuPages = (db: Db, includeMembers: boolean) => {
  let q = db.selectFrom('pages').select(['slug', 'title']).where('menu_order', 'is not', null).where('slug', '!=', 'home');
  if (!includeMembers) q = q.where('visibility', '=', 'public');
  return q.orderBy('menu_order').orderBy('title').execute();
};

export const listPublicPages = (db: Db) => db.selectFrom('pages').select(['slug', 'updated_at']).where('visibility', '=', 'public').orderBy('slug').execute();

export const insertPage = (db: Executor, page: PageWrite & { created_at: string }) => db.insertInto('pages').values(page).returning('id').executeTakeFirstOrThrow();

export const updatePage = (db: Executor, id: number, page: Partial<PageWrite>) => db.updateTable('pages').set(page).where('id', '=', id).execute();

export const deletePage = (db: Executor, id: number) => db.deleteFrom('pages').where('id', '=', id).execute();

export const findNewsBySlug = (db: Executor, slug: string) => db.selectFrom('news_posts').selectAll().where('slug', '=', slug).executeTakeFirst();

export const findNewsById = (db: Executor, id: number) => db.selectFrom('news_posts').selectAll().where('id', '=', id).executeTakeFirst();

/** Published posts, newest first; members' posts only when asked for. */
export function listPublishedNews(db: Db, options: { includeMembers: boolean; limit: number; offset: number; now: string }) {
  let q = db
    .selectFrom('news_posts')
    .select(['id', 'slug', 'title', 'summary', 'visibility', 'published_at', 'updated_at', 'body_html'])
    .where('published_at', 'is not', null)
    .where('published_at', '<=', options.now);
  if (!options.includeMembers) q = q.where('visibility', '=', 'public');
  return q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
}

export async function countPublishedNews(db: Db, options: { includeMembers: boolean; now: string }) {
  let q = db
    .selectFrom('news_posts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('published_at', 'is not', null)
    .where('published_at', '<=', options.now);
  if (!options.includeMembers) q = q.where('visibility', '=', 'public');
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

export const listAllNews = (db: Db) =>
  db
    .selectFrom('news_posts')
    .select(['id', 'slug', 'title', 'visibility', 'published_at', 'updated_at'])
    .orderBy((eb) => eb.case().when('published_at', 'is', null).then(0).else(1).end())
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .execute();

export const insertNews = (db: Executor, post: NewsWrite & { created_at: string }) => db.insertInto('news_posts').values(post).returning('id').executeTakeFirstOrThrow();

export const updateNews = (db: Executor, id: number, post: Partial<NewsWrite>) => db.updateTable('news_posts').set(post).where('id', '=', id).execute();

export const deleteNews = (db: Executor, id: number) => db.deleteFrom('news_posts').where('id', '=', id).execute();
