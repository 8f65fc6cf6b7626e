import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHeadworks, type Headworks } from '#src/app.js';
import { loadConfig, type Config } from '#src/config.js';
import { dialectUnderTest } from './support/site.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new, empty database: a new SQLite file, or a new PostgreSQL schema (dropped when the run ends). */
function freshSite(): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-first-start-'));
  dirs.push(dataDir);
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, BASE_URL: 'http://localhost:3000' });
  if (dialectUnderTest !== 'postgres') return config;
  const schema = `t_${process.env.HEADWORKS_TEST_RUN ?? 'adhoc'}_${crypto.randomBytes(6).toString('hex')}`;
  return { ...config, database: { kind: 'postgres', url: process.env.DATABASE_URL!, schema } };
}

const TABLES = ['pages', 'news_posts', 'membership_levels', 'settings'] as const;
type Table = (typeof TABLES)[number];
async function countRows(site: Headworks, table: Table): Promise<number> {
  const { db } = site.database;
  const row = await db
    .selectFrom(table as 'pages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('first start', () => {
  it('two processes starting at the same moment on a new database both start, and the starting content exists once', async () => {
    const config = freshSite();
    const started = await Promise.allSettled([createHeadworks(config), createHeadworks(config), createHeadworks(config)]);
    const sites = started.filter((s): s is PromiseFulfilledResult<Headworks> => s.status === 'fulfilled').map((s) => s.value);
    try {
      const failures = started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      const count = (site: Headworks, table: Table) => countRows(site, table);
      // The same content as one process alone makes.
      const alone = freshSite();
      const single = await createHeadworks(alone);
      try {
        for (const table of TABLES) {
          expect(await count(sites[0]!, table), table).toBe(await count(single, table));
          expect(await count(single, table), table).toBeGreaterThan(0);
        }
      } finally {
        await single.close();
      }
      // Every process answers.
      for (const site of sites) expect((await site.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    } finally {
      for (const site of sites) await site.close();
    }
  }, 60_000);
});
