import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

/** A small tree with the project's tsconfig.json and codemod, where scripts/use-aliases.mjs can run. */
function tree(files: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-aliases-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts/use-aliases.mjs'), path.join(dir, 'scripts/use-aliases.mjs'));
  fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(dir, 'scripts/use-aliases.mjs'), ...args], { cwd: dir, encoding: 'utf8' });
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  return { run, read, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('import aliases', () => {
  it('names the same folders for tsc, tsx and vitest (tsconfig paths) as for the built code (package.json imports)', () => {
    const paths: Record<string, string[]> = readJson('tsconfig.json').compilerOptions.paths;
    const imports: Record<string, string> = readJson('package.json').imports;
    const fromPaths = Object.fromEntries(
      Object.entries(paths)
        .filter(([key]) => key !== '#test/*')
        .map(([key, [target]]) => [key, target!.replace(/^\.\/src\//, './dist/')]),
    );
    expect(imports).toEqual(fromPaths);
    expect(Object.keys(paths).sort()).toEqual(['#core/*', '#modules/*', '#src/*', '#test/*']);
  });

  // Each run of the script loads the TypeScript parser: a few seconds on a busy machine.
  it('rewrites imports that leave their module to aliases, and aliases within one module to relative paths, once', { timeout: 120_000 }, () => {
    const t = tree({
      'src/modules/billing/service.ts': [
        "import { db } from '../../core/db/index.js';",
        "import type { Config } from '../../config.js';",
        "import { fmt } from './format.js';",
        "import { accounts } from '#modules/billing/accounts.js';",
        "const where = path.join('../../core/db/index.js');",
        "declare module '../../core/module.js' {}",
        "export { x } from '../membership/index.js';",
        "type T = import('../../core/clock.js').Clock;",
        "const later = await import('../site/index.js');",
        '',
      ].join('\n'),
      'src/modules/membership/lifecycle/routes.tsx': [
        "import { renew } from '../renewals/index.js';",
        "import { invoice } from '../../billing/index.js';",
        "import { field } from '#modules/membership/fields/service.js';",
        "import { html } from '../../../core/views/render.js';",
        "import { startTestSite } from '../../../../test/support/site.js';",
        "vi.mock('../../../core/mail/index.js');",
        '',
      ].join('\n'),
      'src/core/auth/guards.ts': ["import { Sessions } from './sessions.js';", "import { db } from '../db/index.js';", "import { x } from '#core/clock.js';", ''].join('\n'),
      'test/e2e/pages.test.ts': [
        "import { site } from '../support/site.js';",
        "import { siteModule } from '../../src/modules/site/index.js';",
        "import { createHeadworks } from '../../src/app.js';",
        '',
      ].join('\n'),
      'bench/run.ts': [
        "import { data } from './data.js';",
        "import { hashPassword } from '../src/core/auth/passwords.js';",
        "import { Client } from '../test/support/client.js';",
        '',
      ].join('\n'),
    });
    try {
      expect(t.run('--check').status).toBe(1);
      const first = t.run();
      expect(first.status).toBe(0);
      expect(first.stdout).toContain('rewritten in 5 file(s)');
      expect(t.read('src/modules/billing/service.ts')).toBe(
        [
          "import { db } from '#core/db/index.js';",
          "import type { Config } from '#src/config.js';",
          "import { fmt } from './format.js';",
          "import { accounts } from './accounts.js';",
          "const where = path.join('../../core/db/index.js');",
          "declare module '#core/module.js' {}",
          "export { x } from '#modules/membership/index.js';",
          "type T = import('#core/clock.js').Clock;",
          "const later = await import('#modules/site/index.js');",
          '',
        ].join('\n'),
      );
      expect(t.read('src/modules/membership/lifecycle/routes.tsx')).toBe(
        [
          "import { renew } from '../renewals/index.js';",
          "import { invoice } from '#modules/billing/index.js';",
          "import { field } from '../fields/service.js';",
          "import { html } from '#core/views/render.js';",
          "import { startTestSite } from '#test/support/site.js';",
          "vi.mock('#core/mail/index.js');",
          '',
        ].join('\n'),
      );
      expect(t.read('src/core/auth/guards.ts')).toBe(
        ["import { Sessions } from './sessions.js';", "import { db } from '../db/index.js';", "import { x } from '../clock.js';", ''].join('\n'),
      );
      expect(t.read('test/e2e/pages.test.ts')).toBe(
        ["import { site } from '../support/site.js';", "import { siteModule } from '#modules/site/index.js';", "import { createHeadworks } from '#src/app.js';", ''].join('\n'),
      );
      expect(t.read('bench/run.ts')).toBe(
        ["import { data } from './data.js';", "import { hashPassword } from '#core/auth/passwords.js';", "import { Client } from '#test/support/client.js';", ''].join('\n'),
      );

      const again = t.run('--check');
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('every one in its canonical form');
    } finally {
      t.remove();
    }
  });
});
