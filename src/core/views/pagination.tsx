/** Previous/next links for a paged list; the page number travels in ?page=. */
export function Pagination({ base, page, pages }: { base: string; page: number; pages: number }) {
  if (pages <= 1) return null;
  const sep = base.includes('?') ? '&' : '?';
  return (
    <nav class="pagination" aria-label="Pages">
      {page > 1 ? <a href={`${base}${sep}page=${page - 1}`}>Previous page</a> : null}
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      {page < pages ? <a href={`${base}${sep}page=${page + 1}`}>Next page</a> : null}
    </nav>
  );
}
