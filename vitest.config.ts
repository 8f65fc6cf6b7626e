import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));
/** The import aliases (#core/…, #modules/…, #src/…, #test/…) are tsconfig.json's `paths`: tsc, tsx and vitest read one table (see docs/decisions/0028). */
const { paths } = (JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions;
const alias = Object.entries(paths).map(([key, [target]]) => ({
  find: new RegExp(`^${key.replace('*', '(.*)')}$`),
  replacement: path.join(root, target!.replace('*', '')) + '$1',
}));

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
