/** The buttons under a filtered list's form: show the rows, and (once any filter is set) clear them. */
export function FilterActions({ submit, clear, filtered }: { submit: string; clear: string; filtered: boolean }) {
  return (
    <div class="form-actions">
      <button type="submit">{submit}</button>
      {filtered ? (
        <a class="button secondary" href={clear}>
          Clear the filters
        </a>
      ) : null}
    </div>
  );
}

/** How many rows the filters match ("entry"/"entries"), and a link that downloads them as a CSV file. */
export function MatchCount({ total, one, many, csv }: { total: number; one: string; many: string; csv: string }) {
  return (
    <p role="status">
      {total === 0 ? `No ${one} matches.` : total === 1 ? `1 ${one} matches.` : `${total} ${many} match.`}
      {total > 0 ? (
        <>
          {' '}
          <a href={csv}>Download {total === 1 ? `this ${one}` : `these ${total} ${many}`} as a CSV file</a>
        </>
      ) : null}
    </p>
  );
}
