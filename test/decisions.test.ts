import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../docs/decisions');
const records = readdirSync(dir).filter((f) => /^\d{4}-.+\.md$/.test(f));

describe('decision records', () => {
  it('each says its date and status under its title', () => {
    const without = records.filter((f) => !/^# .+\n\nDate: \d{4}-\d{2}-\d{2} · Status: (accepted|proposed|superseded|amended)\b/.test(readFileSync(path.join(dir, f), 'utf8')));
    expect(without).toEqual([]);
  });

  it('are all listed in the index, with the date and status the record gives', () => {
    const index = readFileSync(path.join(dir, 'README.md'), 'utf8');
    const missing = records.filter((f) => {
      const [, date, status] = readFileSync(path.join(dir, f), 'utf8').match(/Date: (\S+) · Status: (.+)/) ?? [];
      return !index.split('\n').some((line) => line.includes(`](${f})`) && line.includes(`| ${date} | ${status} |`));
    });
    expect(missing).toEqual([]);
  });
});
