import type sanitizeHtml from 'sanitize-html';
import { trustedHtml, type SafeHtml } from './views/render.js';

/**
 * markdown-it and sanitize-html are loaded on first use: public pages show HTML rendered when it
 * was saved, so most processes never need them (start-up time and memory).
 */
let tools: Promise<{ render: (source: string) => string; sanitize: typeof sanitizeHtml }> | undefined;
function load() {
  tools ??= Promise.all([import('markdown-it'), import('sanitize-html')]).then(([{ default: MarkdownIt }, { default: sanitize }]) => {
    const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
    return { render: (source: string) => md.render(source), sanitize };
  });
  return tools;
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    'del',
    's',
    'code',
    'pre',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'abbr',
    'sup',
    'sub',
    'dl',
    'dt',
    'dd',
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
export async function renderMarkdown(source: string): Promise<SafeHtml> {
  const { render, sanitize } = await load();
  return trustedHtml(sanitize(render(source), SANITIZE));
}

/** Plain text of a Markdown body, for summaries and meta descriptions. */
export async function markdownToText(source: string): Promise<string> {
  const { render, sanitize } = await load();
  return sanitize(render(source), { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
