#!/usr/bin/env node
// Import aliases codemod (docs/decisions/0028-lint-format-aliases.md).
//
//   node scripts/use-aliases.mjs           rewrite the files in place, list what changed
//   node scripts/use-aliases.mjs --check   change nothing; exit 1 and list the files that need it
//   node scripts/use-aliases.mjs FILE...   only these files (default: every source file in src, test, bench)
//
// The rule, one canonical form per import (so the script is idempotent and safe on any state of the tree):
// - an import that leaves its own unit is written with an alias: `../../core/db/index.js` → `#core/db/index.js`,
//   `../billing/index.js` → `#modules/billing/index.js`, `../../../test/support/site.js` → `#test/support/site.js`;
// - an import inside its own unit is relative: `#modules/billing/service.js` inside billing → `./service.js`.
// A unit is core (src/core), one module (src/modules/<name>, sub-folders included), the files directly in src,
// or test. Anything else (bench, scripts) is a unit of its own, so its imports of src and test use aliases.
// The aliases are tsconfig.json's `paths`; package.json's `imports` maps the same names to dist/ for `node dist/…`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|jsx)$/;
const FOLDERS = ['src', 'test', 'bench'];

const posix = (p) => p.split(path.sep).join('/');

/** tsconfig.json's paths as [alias prefix, absolute folder], longest folder first (`#core/` wins over `#src/`). */
function loadAliases() {
  const { config, error } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const paths = config.compilerOptions?.paths ?? {};
  const aliases = Object.entries(paths).map(([key, [target]]) => {
    if (!key.endsWith('/*') || !target?.endsWith('/*')) throw new Error(`tsconfig.json paths: ${key} → ${target}: only "prefix/*" → "folder/*" is understood`);
    return { prefix: key.slice(0, -1), folder: path.resolve(ROOT, target.slice(0, -2)) };
  });
  return aliases.sort((a, b) => b.folder.length - a.folder.length);
}

const ALIASES = loadAliases();

const inside = (folder, file) => file === folder || file.startsWith(folder + path.sep);

/** The alias whose folder holds this absolute path, if any. */
const aliasOf = (file) => ALIASES.find((a) => inside(a.folder, file));

/** The unit a file belongs to: imports within one unit stay relative. */
function unitOf(file) {
  const alias = aliasOf(file);
  if (!alias) return `file:${file}`;
  const rest = posix(path.relative(alias.folder, file));
  if (alias.prefix === '#modules/') return `#modules/${rest.split('/')[0]}`; // one module, sub-folders included
  if (alias.prefix === '#src/' && rest.includes('/')) return `#src/${rest.split('/')[0]}`; // a folder under src without an alias of its own
  return alias.prefix;
}

/** The canonical way for `file` to write an import of the absolute path `target`. */
function canonical(file, target) {
  const alias = aliasOf(target);
  if (alias && unitOf(file) !== unitOf(target)) return alias.prefix + posix(path.relative(alias.folder, target));
  const rel = posix(path.relative(path.dirname(file), target));
  return rel.startsWith('../') ? rel : `./${rel}`;
}

/** The absolute path a specifier points to, or undefined for packages and node: built-ins. */
function targetOf(file, spec) {
  if (spec.startsWith('./') || spec.startsWith('../')) return path.resolve(path.dirname(file), spec);
  const alias = ALIASES.find((a) => spec.startsWith(a.prefix));
  return alias ? path.join(alias.folder, spec.slice(alias.prefix.length)) : undefined;
}

const VI_CALLS = new Set(['mock', 'doMock', 'unmock', 'doUnmock', 'importActual', 'importMock']);

/** Every string literal in the file that names a module: import/export … from, import(), import type, declare module, vi.mock(). */
function specifiers(source) {
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier);
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) found.push(node.name);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression))
      found.push(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal);
    else if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isVi = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'vi' && VI_CALLS.has(callee.name.text);
      if (isImport || isVi) found.push(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function rewrite(file) {
  const text = readFileSync(file, 'utf8');
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : file.endsWith('.js') || file.endsWith('.mjs') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const edits = [];
  for (const literal of specifiers(source)) {
    const target = targetOf(file, literal.text);
    if (!target) continue;
    const wanted = canonical(file, target);
    if (wanted !== literal.text) edits.push({ start: literal.getStart(source) + 1, end: literal.getEnd() - 1, text: wanted, from: literal.text });
  }
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, edits };
}

function walk(dir, files = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, files);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const named = args.filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
const files = named.length ? named : FOLDERS.flatMap((f) => walk(path.join(ROOT, f)));

let changed = 0;
let count = 0;
for (const file of files) {
  const { text, edits } = rewrite(file);
  if (!edits.length) continue;
  changed++;
  count += edits.length;
  console.log(`${posix(path.relative(ROOT, file))}: ${edits.length} import${edits.length === 1 ? '' : 's'}`);
  if (!check) writeFileSync(file, text);
}
if (check && changed) {
  console.error(`${changed} file(s) import across modules with relative paths (or within one with an alias): run node scripts/use-aliases.mjs`);
  process.exit(1);
}
console.log(check ? 'Imports: every one in its canonical form.' : `Imports: ${count} rewritten in ${changed} file(s).`);
