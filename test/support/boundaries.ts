import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The module contract's boundaries (decision 0029), read from the source:
 * - an import that enters a folder of src/modules with an index.ts (a module, or a part of one such
 *   as membership/renewals) from outside that folder must import that index.ts;
 * - core never imports a module;
 * - a file writes (insert, update, delete) only the tables its module owns.
 * Tests and migrations are exempt: tests may look inside, and migrations make every table.
 */
export interface SourceFile {
  /** Relative to the repository, with forward slashes: src/modules/site/queries.ts */
  path: string;
  text: string;
}

export interface Owners {
  /** Module name → the tables its manifest owns. */
  modules: Record<string, readonly string[]>;
  /** The tables core itself owns. */
  core: readonly string[];
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const BUILDER_WRITE = /\.(?:insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*['"]([a-z_]+)['"]/g;
const SQL_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+"?([a-z_]+)"?(?=[\s(]|$)/gi;

const isExempt = (file: string) => /\.test\.tsx?$/.test(file) || file.includes('/migrations/');

/**
 * Import aliases (decision 0028) as [prefix, folder relative to the repository], from
 * tsconfig.json's `paths`: `#modules/billing/index.js` is `src/modules/billing/index.js`.
 */
export type Aliases = readonly (readonly [prefix: string, folder: string])[];

export function aliasesOf(tsconfigText: string): Aliases {
  // tsconfig.json is JSON with comments: read it as TypeScript does (`"#core/*"` holds a `/*` that is not one).
  const { config, error } = ts.parseConfigFileTextToJson('tsconfig.json', tsconfigText) as {
    config?: { compilerOptions?: { paths?: Record<string, string[]> } };
    error?: ts.Diagnostic;
  };
  if (error || !config) throw new Error(`tsconfig.json: ${error ? ts.flattenDiagnosticMessageText(error.messageText, '\n') : 'empty'}`);
  return Object.entries(config.compilerOptions?.paths ?? {}).map(([key, [target]]) => [key.replace(/\*$/, ''), path.posix.normalize(target!.replace(/\*$/, ''))] as const);
}

function importsOf(file: SourceFile, aliases: Aliases): string[] {
  const found: string[] = [];
  for (const m of file.text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec?.startsWith('.')) found.push(path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec)));
    const alias = spec ? aliases.find(([prefix]) => spec.startsWith(prefix)) : undefined;
    if (spec && alias) found.push(path.posix.join(alias[1], spec.slice(alias[0].length)));
  }
  return found;
}

/** The tables a file writes: Kysely's builders, and statements inside sql`…` templates. */
export function tablesWritten(text: string): string[] {
  const tables = new Set<string>();
  for (const m of text.matchAll(BUILDER_WRITE)) tables.add(m[1]!);
  for (const template of text.matchAll(/sql`([^`]*)`/g)) {
    for (const m of template[1]!.matchAll(SQL_WRITE)) tables.add(m[1]!.toLowerCase());
  }
  return [...tables];
}

const withoutExtension = (p: string) => p.replace(/\.(js|ts|tsx)$/, '');

export function boundaryViolations(files: readonly SourceFile[], owners: Owners, aliases: Aliases = []): string[] {
  const problems: string[] = [];
  const known = new Set(files.map((f) => withoutExtension(f.path)));
  const hasIndex = (folder: string) => known.has(`${folder}/index`);
  const ownerOf = (file: string) => /^src\/modules\/([^/]+)\//.exec(file)?.[1] ?? 'core';

  for (const file of files) {
    if (isExempt(file.path)) continue;
    const from = path.posix.dirname(file.path);
    for (const target of importsOf(file, aliases)) {
      const resolved = withoutExtension(target);
      if (!resolved.startsWith('src/modules/')) continue;
      if (file.path.startsWith('src/core/')) {
        problems.push(`${file.path}: core imports a module (${target}); modules register with core instead`);
        continue;
      }
      // The outermost folder that holds the target but not the importer, and has a front door.
      const parts = resolved.split('/');
      for (let depth = 3; depth < parts.length; depth++) {
        const folder = parts.slice(0, depth).join('/');
        if (from === folder || from.startsWith(`${folder}/`)) continue;
        if (hasIndex(folder)) {
          if (resolved !== `${folder}/index`) problems.push(`${file.path}: imports ${target}, inside ${folder}: use ${folder}/index.ts`);
          break;
        }
      }
    }
    const owner = ownerOf(file.path);
    const owned = owner === 'core' ? owners.core : owners.modules[owner];
    if (!owned) {
      problems.push(`${file.path}: module "${owner}" has no manifest in MODULES`);
      continue;
    }
    for (const table of tablesWritten(file.text)) {
      if (!owned.includes(table)) problems.push(`${file.path}: writes table ${table}, which ${owner} does not own`);
    }
  }
  return problems;
}

/** Every .ts/.tsx file under the folders, relative to root. */
export function readSources(root: string, folders: readonly string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(entry.name)) out.push({ path: rel, text: fs.readFileSync(path.join(root, rel), 'utf8') });
    }
  };
  for (const folder of folders) walk(folder);
  return out;
}
