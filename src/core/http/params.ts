import { z } from 'zod';

const id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
const pageNumber = z.coerce.number().int().min(1).max(100_000);

/** A numeric id from the URL, or null when it is not one (the route then answers 404). */
export function parseId(value: unknown): number | null {
  const parsed = id.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A page number from the query string; anything odd means the first page. */
export function parsePageNumber(value: unknown): number {
  const parsed = pageNumber.safeParse(value);
  return parsed.success ? parsed.data : 1;
}

/** The record a URL's id names, or undefined when the id is malformed or unknown (answer 404). */
export async function findById<T>(raw: unknown, find: (id: number) => Promise<T | undefined>): Promise<T | undefined> {
  const id = parseId(raw);
  return id === null ? undefined : find(id);
}
