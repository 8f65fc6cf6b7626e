import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './index.js';

type Values = Record<string, string | number | null>;
type Slot = { name: string } | { fixed: unknown };

const MARK = '\u0000headworks-value:';

/**
 * A query for a hot path, built and compiled by Kysely once per database instead of on every call
 * (building costs more than running a simple statement). `build` gets a stand-in for each named
 * value and must use each one only as a bound value (a comparison, a limit), never to decide the
 * query's shape: a different shape needs its own `variant` (e.g. the number of search words).
 *
 * Inside a transaction the query is simply built as usual: a transaction's executor is not the
 * database's, and transactions are not the hot path.
 */
export function prepared<V extends Values, R>(build: (db: Executor, values: V, variant: number) => Compilable<R>) {
  const plans = new WeakMap<Executor, Map<number, { compiled: CompiledQuery<R>; slots: Slot[] }>>();
  return async (db: Executor, values: V, variant = 0): Promise<R[]> => {
    if (db.isTransaction) return (await db.executeQuery(build(db, values, variant))).rows;
    let byVariant = plans.get(db);
    if (!byVariant) plans.set(db, (byVariant = new Map()));
    let plan = byVariant.get(variant);
    if (!plan) {
      const marks = new Proxy({}, { get: (_target, name) => MARK + String(name) }) as V;
      const compiled = build(db, marks, variant).compile();
      // A stand-in written into the SQL text itself (sql.lit, a raw fragment) could never be bound.
      if (compiled.sql.includes(MARK)) throw new Error('prepared query: a value was written into the SQL instead of bound');
      const slots = compiled.parameters.map((p): Slot => (typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { fixed: p }));
      plan = { compiled, slots };
      byVariant.set(variant, plan);
    }
    const parameters = plan.slots.map((slot) => {
      if ('fixed' in slot) return slot.fixed;
      const value = values[slot.name];
      if (value === undefined) throw new Error(`prepared query: no value for "${slot.name}"`);
      return value;
    });
    return (await db.executeQuery<R>({ ...plan.compiled, parameters })).rows;
  };
}
