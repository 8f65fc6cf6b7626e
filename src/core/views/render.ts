import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';

declare const safeBrand: unique symbol;
/** HTML that has been through the sanitizer (or built by us); the only kind a view may inject raw. */
export type SafeHtml = string & { readonly [safeBrand]: true };
export const trustedHtml = (html: string) => html as SafeHtml;

export const renderDocument = (vnode: VNode) => `<!doctype html>${render(vnode)}`;

/** Dates and times are stored in UTC and shown in the association's zone. */
export function formatDate(isoString: string, timeZone: string) {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone }).format(new Date(isoString));
}

export function formatDateTime(isoString: string, timeZone: string) {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone, timeZoneName: 'short' }).format(new Date(isoString));
}
