import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { trustedHtml, type SafeHtml } from './views/render.js';

const md = new MarkdownIt({ html: true, linkify: true, typographer: true });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'del', 's', 'code', 'pre',
    'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'abbr', 'sup', 'sub', 'dl', 'dt', 'dd',
  ],
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['scope', 'colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
    abbr: ['title'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  // A heading level 1 belongs to the page title; demote any in the body.
  transformTags: { h1: 'h2' },
};

/** Markdown written by people (admins now, members later) becomes HTML that is safe to show. */
export function renderMarkdown(source: string): SafeHtml {
  return trustedHtml(sanitizeHtml(md.render(source), SANITIZE));
}

/** Plain text of a Markdown body, for summaries and meta descriptions. */
export function markdownToText(source: string): string {
  return sanitizeHtml(md.render(source), { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
