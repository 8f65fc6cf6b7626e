import type { Generated } from 'kysely';
import type { Timestamp } from '#core/db/schema.js';

/** The site module's tables (owned in its manifest's `tables`); times are ISO-8601 UTC strings, flags 0/1 integers. */

export interface PagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description: string;
  body_md: string;
  body_html: string;
  visibility: 'public' | 'members';
  menu_order: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NewsPostsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  body_md: string;
  body_html: string;
  visibility: 'public' | 'members';
  published_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '#core/db/schema.js' {
  interface DB {
    pages: PagesTable;
    news_posts: NewsPostsTable;
  }
}
