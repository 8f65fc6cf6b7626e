import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';

declare const safeBrand: unique symbol;
/** HTML that has been through the sanitizer (or built by us); the only kind a view may inject raw. */
export type SafeHtml = string & { readonly [safeBrand]: true };
export const trustedHtml = (html: string) => html as SafeHtml;

export const renderDocument = (vnode: VNode) => `<!doctype html>${render(vnode)}`;

/** A piece of a page, for htmx to swap in. */
export const renderFragment = (vnode: VNode) => render(vnode);

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'date' | 'datetime', timeZone: string) {
  const key = `${kind}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      'en-US',
      kind === 'date'
        ? { year: 'numeric', month: 'long', day: 'numeric', timeZone }
        : { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short', timeZone },
    );
    formatters.set(key, f);
  }
  return f;
}

/** Dates and times are stored in UTC and shown in the association's zone. */
export const formatDate = (isoString: string, timeZone: string) => formatter('date', timeZone).format(new Date(isoString));

export const formatDateTime = (isoString: string, timeZone: string) => formatter('datetime', timeZone).format(new Date(isoString));
