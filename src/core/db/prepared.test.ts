import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSite, type TestSite } from '#test/support/site.js';
import { prepared } from './prepared.js';

let site: TestSite;

beforeAll(async () => {
  site = await startTestSite();
  for (const [email, name] of [
    ['ana@example.org', 'Ana Flores'],
    ['bo@example.org', 'Bo Smith'],
    ['cy@example.org', 'Cy Smith'],
  ] as const) {
    await site.addUser({ email, name, password: 'a long enough password', membership: false });
  }
});
afterAll(() => site.close());

const byName = prepared((db, v: { name: string; limit: number }) => db.selectFrom('users').select(['email']).where('name', '=', v.name).orderBy('email').limit(v.limit));

/** The shape changes with the variant: names matching any of `variant` patterns. */
const byAnyName = prepared((db, v: Record<string, string>, variant) =>
  db
    .selectFrom('users')
    .select('email')
    .where((eb) => eb.or(Array.from({ length: variant }, (_, i) => eb('name', 'like', v[`p${i}`]!))))
    .where('role', '=', 'member')
    .orderBy('email'),
);

describe('a prepared query', () => {
  it('binds each call its own values, with the compiled SQL reused', async () => {
    const db = site.database.db;
    expect(await byName(db, { name: 'Bo Smith', limit: 10 })).toEqual([{ email: 'bo@example.org' }]);
    expect(await byName(db, { name: 'Ana Flores', limit: 10 })).toEqual([{ email: 'ana@example.org' }]);
    expect(await byName(db, { name: 'Nobody', limit: 10 })).toEqual([]);
  });

  it('keeps values written into the query (here the role) and binds numbers such as a limit', async () => {
    const db = site.database.db;
    expect(await byAnyName(db, { p0: '% Smith' }, 1)).toEqual([{ email: 'bo@example.org' }, { email: 'cy@example.org' }]);
    expect(await byAnyName(db, { p0: 'Ana%', p1: 'Cy%' }, 2)).toEqual([{ email: 'ana@example.org' }, { email: 'cy@example.org' }]);
    // The one-pattern shape is still the one-pattern shape after the two-pattern one was compiled.
    expect(await byAnyName(db, { p0: 'Ana%' }, 1)).toEqual([{ email: 'ana@example.org' }]);
    await site.database.db.updateTable('users').set({ role: 'admin' }).where('email', '=', 'cy@example.org').execute();
    expect(await byAnyName(db, { p0: '% Smith' }, 1)).toEqual([{ email: 'bo@example.org' }]);
    await site.database.db.updateTable('users').set({ role: 'member' }).where('email', '=', 'cy@example.org').execute();
    const smiths = await byName(db, { name: 'Bo Smith', limit: 0 });
    expect(smiths).toEqual([]);
  });

  it('refuses a call that lacks a value the query needs', async () => {
    await expect(byName(site.database.db, { name: 'Bo Smith' } as { name: string; limit: number })).rejects.toThrow('no value for "limit"');
  });

  it('refuses a value written into the SQL text, which could never be bound', async () => {
    const literal = prepared((db, v: { label: string }) => db.selectFrom('users').select(sql.lit(v.label).as('label')));
    await expect(literal(site.database.db, { label: 'x' })).rejects.toThrow('written into the SQL');
  });

  it('works inside a transaction, seeing that transaction’s writes', async () => {
    const seen = await site.database.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ name: 'Bo Smith-Lee' }).where('email', '=', 'bo@example.org').execute();
      return byName(trx, { name: 'Bo Smith-Lee', limit: 5 });
    });
    expect(seen).toEqual([{ email: 'bo@example.org' }]);
    expect(await byName(site.database.db, { name: 'Bo Smith-Lee', limit: 5 })).toEqual([{ email: 'bo@example.org' }]);
  });
});
