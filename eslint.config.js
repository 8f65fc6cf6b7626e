// ESLint: typescript-eslint's recommended rules (without type information: tsc --strict already runs in npm test,
// and the type-aware set took minutes here), then eslint-config-prettier last so that no rule argues with the
// formatter. See docs/decisions/0028-lint-format-aliases.md. Run with `npm run lint`.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'data/', '.bench-data/', 'test-results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `let { version, dirty } = …` where only one is reassigned later stays one line.
      'prefer-const': ['error', { destructuring: 'all' }],
      // Registries filled by declaration merging (ModuleApis, DomainEvents, MailTemplates, JobPayloads, DB) start as empty interfaces.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'always' }],
      // A leading underscore is the codebase's way to say "deliberately unused" (a parameter kept for its position, a field left out of a rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Migrations and backups work on whatever tables exist, not on today's schema types: Kysely<any> is Kysely's own advice there.
    files: ['src/core/db/migrations/**', 'src/modules/*/migrations/**', 'src/core/backup/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
