import { describe, expect, it } from 'vitest';
import { DirectoryMemory } from './memory.js';

const NOW = '2026-07-02T16:00:00.000Z';
const LATER = '2027-01-01T00:00:00.000Z';
const EARLIER = '2026-07-01T00:00:00.000Z';

/** Members and words given out of order, as a database with another collation might. */
function memory(read: (stored: string) => string = (s) => s) {
  const members = [
    { id: 3, sortName: 'cal smithers', visibleUntil: LATER, card: 'Cal' },
    { id: 1, sortName: 'ana nunez', visibleUntil: LATER, card: 'Ana' },
    { id: 4, sortName: 'dee smith', visibleUntil: EARLIER, card: 'Dee' },
    { id: 2, sortName: 'ben smith', visibleUntil: LATER, card: 'Ben' },
  ];
  const terms = [
    { term: 'smithers', membership_id: 3 },
    { term: 'smith', membership_id: 2 },
    { term: 'denver', membership_id: 2 },
    { term: 'ana', membership_id: 1 },
    { term: 'denver', membership_id: 1 },
    { term: 'smith', membership_id: 4 },
    { term: 'cal', membership_id: 3 },
    { term: 'ben', membership_id: 2 },
    { term: 'nunez', membership_id: 1 },
    { term: 'boulder', membership_id: 3 },
    // A word of someone who cannot be listed at all is ignored.
    { term: 'smith', membership_id: 99 },
  ];
  return new DirectoryMemory('v1', members, terms, read);
}

const cards = (r: { members: { card: string }[] }) => r.members.map((m) => m.card);

describe('the directory index in memory', () => {
  it('finds members by word prefixes, every word matching, visible ones only, in name order', () => {
    const m = memory();
    expect(cards(m.search(['smith'], NOW, 25, 1))).toEqual(['Ben', 'Cal']);
    expect(cards(m.search(['smi', 'den'], NOW, 25, 1))).toEqual(['Ben']);
    expect(cards(m.search(['den'], NOW, 25, 1))).toEqual(['Ana', 'Ben']);
    expect(cards(m.search(['zz'], NOW, 25, 1))).toEqual([]);
    // Everyone visible, by name; Dee's grace period is over.
    expect(cards(m.search([], NOW, 25, 1))).toEqual(['Ana', 'Ben', 'Cal']);
    // Earlier, Dee was still listed.
    expect(cards(m.search(['smith'], '2026-06-30T00:00:00.000Z', 25, 1))).toEqual(['Ben', 'Cal', 'Dee']);
  });

  it('pages, and answers a page past the end with the last one', () => {
    const m = memory();
    expect(m.search([], NOW, 2, 1)).toMatchObject({ total: 3, page: 1 });
    expect(cards(m.search([], NOW, 2, 2))).toEqual(['Cal']);
    expect(m.search([], NOW, 2, 9)).toMatchObject({ total: 3, page: 2 });
    expect(m.search(['zz'], NOW, 2, 3)).toMatchObject({ total: 0, page: 1, members: [] });
  });

  it('reads a card once, on its first display, and hands out the same object after', () => {
    let reads = 0;
    const m = memory((s) => {
      reads++;
      return `card of ${s}`;
    });
    expect(reads).toBe(0);
    const first = m.search(['ben'], NOW, 25, 1).members[0]!;
    const again = m.search(['smith'], NOW, 25, 1).members[0]!;
    expect(first.card).toBe('card of Ben');
    expect(again.card).toBe(first.card);
    expect(reads).toBe(2); // Ben, then Cal
  });
});
