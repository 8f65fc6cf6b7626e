import type { SqliteDatabase, SqliteStatement } from 'kysely';

type BetterSqliteStatement = SqliteStatement & { readonly busy: boolean };
interface BetterSqlite {
  close(): void;
  prepare(sql: string): BetterSqliteStatement;
}

/**
 * better-sqlite3 as Kysely's SQLite dialect wants it, keeping the last `size` prepared statements
 * by their SQL: the app runs the same few dozen statements over and over, and preparing one costs
 * about as much as running a simple one. SQLite re-prepares a kept statement by itself when the
 * schema changes; a statement still being iterated (busy) is never handed out twice.
 */
export function withStatementCache(sqlite: BetterSqlite, size = 500): SqliteDatabase {
  const kept = new Map<string, BetterSqliteStatement>();
  return {
    close: () => {
      kept.clear();
      sqlite.close();
    },
    prepare(sql) {
      const statement = kept.get(sql);
      if (statement && !statement.busy) {
        // Most recently used last, so the first entry is the one to drop.
        kept.delete(sql);
        kept.set(sql, statement);
        return statement;
      }
      const fresh = sqlite.prepare(sql);
      if (!statement) {
        kept.set(sql, fresh);
        if (kept.size > size) kept.delete(kept.keys().next().value!);
      }
      return fresh;
    },
  };
}
