/**
 * The directory's search index held in memory (docs/decisions/0018-directory-search-in-memory.md):
 * the members who can be listed (name for sorting, end of visibility, their card) and the words
 * of their names, organizations and cities, sorted. A copy of the database's derived index, read whole and
 * kept until the index's version (bumped in every re-indexing transaction) changes; every search
 * is computed afresh from it. Cards are read (parsed) on their first display.
 */

export interface IndexedMember {
  id: number;
  sortName: string;
  /** The end of the grace period of an active, listed membership. */
  visibleUntil: string;
  /** What the listing shows, as stored (JSON): read on its first display, not on loading. */
  card: string;
}

const byName = (a: IndexedMember, b: IndexedMember) => (a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : a.id - b.id);

/**
 * The rows in `compare`'s order. The database hands them over sorted already (its collation agrees
 * with JavaScript's order for every name short of rare astral-plane letters): checked in one pass,
 * sorted only when needed.
 */
function sortedBy<T>(rows: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < rows.length; i++) if (compare(rows[i - 1]!, rows[i]!) > 0) return [...rows].sort(compare);
  return rows;
}

/** A member, their place in name order and the end of their visibility in ms (searches compare numbers, not strings). */
interface Entry<Card> {
  member: IndexedMember;
  rank: number;
  visibleUntilMs: number;
  /** The card, once read; the same object on every later search (the page keeps its HTML). */
  card?: Card;
}

export class DirectoryMemory<Card> {
  /** Every listable member, in name order (browsing everyone). */
  private readonly ordered: Entry<Card>[];
  private readonly entries: Map<number, Entry<Card>>;
  /** Index words in sorted order, with the member each belongs to at the same position. */
  private readonly words: string[];
  private readonly owners: number[];

  constructor(
    readonly version: string,
    members: IndexedMember[],
    terms: { term: string; membership_id: number }[],
    private readonly readCard: (stored: string) => Card,
  ) {
    this.ordered = sortedBy(members, byName).map((member, rank) => ({ member, rank, visibleUntilMs: Date.parse(member.visibleUntil) }));
    this.entries = new Map(this.ordered.map((e) => [e.member.id, e]));
    const kept = sortedBy(
      terms.filter((t) => this.entries.has(t.membership_id)),
      (a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : a.membership_id - b.membership_id),
    );
    this.words = kept.map((t) => t.term);
    this.owners = kept.map((t) => t.membership_id);
  }

  /** Members having a word that starts with `prefix`: found by binary search, then read while the words match. */
  private startingWith(prefix: string): Set<number> {
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.words[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found = new Set<number>();
    for (let i = lo; i < this.words.length && this.words[i]!.startsWith(prefix); i++) found.add(this.owners[i]!);
    return found;
  }

  /**
   * Members visible at `now` having, for each of `words`, a word starting with it (everyone
   * visible when there are none), in name order: how many, and those on page `page` (a page
   * past the end gives the last one).
   */
  search(words: string[], now: string, perPage: number, page: number): { total: number; page: number; members: { id: number; card: Card }[] } {
    const nowMs = Date.parse(now);
    let matches: Entry<Card>[];
    if (words.length === 0) {
      matches = this.ordered.filter((e) => e.visibleUntilMs > nowMs);
    } else {
      const sets = words.map((w) => this.startingWith(w)).sort((a, b) => a.size - b.size);
      const [rarest, ...others] = sets as [Set<number>, ...Set<number>[]];
      matches = [];
      next: for (const id of rarest) {
        for (const other of others) if (!other.has(id)) continue next;
        const entry = this.entries.get(id)!;
        if (entry.visibleUntilMs > nowMs) matches.push(entry);
      }
      matches.sort((a, b) => a.rank - b.rank);
    }
    const shown = Math.min(Math.max(1, page), Math.max(1, Math.ceil(matches.length / perPage)));
    const members = matches.slice((shown - 1) * perPage, shown * perPage).map((e) => ({ id: e.member.id, card: (e.card ??= this.readCard(e.member.card)) }));
    return { total: matches.length, page: shown, members };
  }
}
