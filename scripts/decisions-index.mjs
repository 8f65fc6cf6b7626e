// Writes docs/decisions/README.md, the index of decision records, from the records themselves
// (title, and the "Date: … · Status: …" line under it). Run after adding or amending a record:
//   node scripts/decisions-index.mjs
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '../docs/decisions');
const rows = readdirSync(dir)
  .filter((f) => /^\d{4}-.+\.md$/.test(f))
  .sort()
  .map((file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const title = text
      .split('\n')[0]
      .replace(/^#\s*/, '')
      .replace(/^0*\d+\.?\s+/, '')
      .replaceAll('|', '\\|');
    const [, date = '?', status = '?'] = text.match(/Date: (\S+) · Status: (.+)/) ?? [];
    return `| ${file.slice(0, 4)} | [${title}](${file}) | ${date} | ${status} |`;
  });

writeFileSync(
  path.join(dir, 'README.md'),
  `# Decision records

Each file records one significant choice: its context, the choice and its consequences. A
record's status is *accepted* until a later record amends or replaces it; the later one says so
and the earlier one's status line points to it. New records take the next number and start with
\`Date: YYYY-MM-DD · Status: accepted\`; then run \`node scripts/decisions-index.mjs\` to update
this index (a test checks it is complete).

| # | Decision | Date | Status |
| --- | --- | --- | --- |
${rows.join('\n')}
`,
);
