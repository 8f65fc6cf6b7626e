import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '#src/app.js';
import { CORE_TABLES } from '#core/db/schema.js';
import { migrationOwners, registerMigrations } from '#core/db/migrations/index.js';
import { sql } from 'kysely';
import { aliasesOf, boundaryViolations, readSources, tablesWritten, type Owners } from './support/boundaries.js';
import { readFileSync } from 'node:fs';
import { startTestSite, type TestSite } from './support/site.js';

const root = path.resolve(import.meta.dirname, '..');
const aliases = aliasesOf(readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
const owners: Owners = { core: CORE_TABLES, modules: Object.fromEntries(MODULES.map((m) => [m.name, m.tables])) };

describe('module boundaries', () => {
  it('holds in the source: modules meet only through index.ts, core imports no module, and each table is written only by its owner', () => {
    // The aliases really are read: without them, an import by `#modules/…` would go unchecked.
    expect(aliases).toContainEqual(['#modules/', 'src/modules/']);
    expect(boundaryViolations(readSources(root, ['src']), owners, aliases)).toEqual([]);
  });

  it('would catch a file that reaches inside another module (by a relative path or an alias), a core file that imports a module, and a write to a table not owned', () => {
    const files = [
      { path: 'src/modules/billing/index.ts', text: '' },
      { path: 'src/modules/billing/queries.ts', text: '' },
      { path: 'src/modules/site/index.ts', text: '' },
      { path: 'src/modules/site/service.ts', text: "import { x } from '../billing/queries.js';\nimport type { B } from '../billing/index.js';" },
      { path: 'src/modules/site/queries.ts', text: "db.updateTable('invoices').set({});\nsql`delete from payments where id = ${id}`;\ndb.insertInto('pages')" },
      { path: 'src/core/thing.ts', text: "import { b } from '../modules/billing/index.js';" },
      { path: 'src/modules/site/routes.ts', text: "import { x } from '#modules/billing/queries.js';\nimport type { B } from '#modules/billing/index.js';" },
      { path: 'src/core/other.ts', text: "import { b } from '#modules/billing/index.js';" },
    ];
    const problems = boundaryViolations(files, { core: [], modules: { site: ['pages'], billing: ['invoices', 'payments'] } }, aliases);
    expect(problems).toEqual([
      'src/modules/site/service.ts: imports src/modules/billing/queries.js, inside src/modules/billing: use src/modules/billing/index.ts',
      'src/modules/site/queries.ts: writes table invoices, which site does not own',
      'src/modules/site/queries.ts: writes table payments, which site does not own',
      'src/core/thing.ts: core imports a module (src/modules/billing/index.js); modules register with core instead',
      'src/modules/site/routes.ts: imports src/modules/billing/queries.js, inside src/modules/billing: use src/modules/billing/index.ts',
      'src/core/other.ts: core imports a module (src/modules/billing/index.js); modules register with core instead',
    ]);
  });

  it('finds writes in raw SQL as well as in the query builder', () => {
    expect(tablesWritten('sql`UPDATE memberships SET status = 1`; sql`insert into "jobs" (a) values (1)`; db.deleteFrom(\'users\')').sort()).toEqual([
      'jobs',
      'memberships',
      'users',
    ]);
  });
});

describe('table ownership', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(() => site?.close());

  it('gives every table of the migrated database exactly one owner', async () => {
    const tables = (await site.db.introspection.getTables()).map((t) => t.name).filter((name) => !name.startsWith('kysely_'));
    const claims = [...CORE_TABLES.map((t) => ['core', t] as const), ...MODULES.flatMap((m) => m.tables.map((t) => [m.name, t] as const))];
    const ownersOf = (table: string) => claims.filter(([, t]) => t === table).map(([owner]) => owner);
    expect(tables.filter((t) => ownersOf(t).length !== 1).map((t) => `${t}: ${ownersOf(t).join(', ') || 'no owner'}`)).toEqual([]);
    expect(claims.filter(([, t]) => !tables.includes(t))).toEqual([]);
  });

  it('runs every module’s migrations, in one order by name, each name held by one owner', async () => {
    const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(site.db)).rows.map((r) => r.name);
    expect(applied).toEqual(migrationOwners().map((m) => m.name));
    const owners = new Set(migrationOwners().map((m) => m.owner));
    expect(owners).toEqual(new Set(['core', ...MODULES.filter((m) => m.migrations).map((m) => m.name)]));
    expect(() => registerMigrations('billing', { '0010_two_factor': () => ({ up: async () => undefined }) })).toThrow('accounts has a migration of that name');
    expect(() => registerMigrations('billing', { 'invoices v2': () => ({ up: async () => undefined }) })).toThrow('names are a 4-digit number');
  });
});
