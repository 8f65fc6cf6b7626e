import type { ComponentChildren } from 'preact';
import { assetUrl } from '../http/assets.js';
import type { Chrome, PageContext, PageOptions } from './context.js';

const isCurrent = (path: string, href: string) => (href === '/' || href === '/admin' ? path === href : path === href || path.startsWith(`${href}/`));
/** The admin menu entry for a path: the longest that matches, so /admin/mail/templates is not also "Sent mail". */
const currentAdminItem = (menu: Chrome['adminMenu'], path: string) =>
  menu.filter((item) => isCurrent(path, item.href)).reduce<string | undefined>((best, item) => (!best || item.href.length > best.length ? item.href : best), undefined);

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

function FlashMessage({ ctx }: { ctx: PageContext }) {
  if (!ctx.flash) return null;
  return (
    <p class={`flash ${ctx.flash.kind}`} role={ctx.flash.kind === 'error' ? 'alert' : 'status'}>
      {ctx.flash.message}
    </p>
  );
}

function AdminFrame({ ctx, children }: { ctx: PageContext; children: ComponentChildren }) {
  return (
    <div class="admin-layout">
      <nav class="admin-nav" aria-label="Administration">
        <ul>
          {ctx.chrome.adminMenu.map((item) => (
            <li>
              <a href={item.href} aria-current={currentAdminItem(ctx.chrome.adminMenu, ctx.path) === item.href ? 'page' : undefined}>
                {item.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section class="admin-main">{children}</section>
    </div>
  );
}

export function Layout({ ctx, page }: { ctx: PageContext; page: PageOptions }) {
  const { settings, menu, logoUrl } = ctx.chrome;
  const fullTitle = page.title === settings.associationName ? page.title : `${page.title} · ${settings.shortName || settings.associationName}`;
  const nav = [{ title: 'Home', href: '/' }, ...menu, { title: 'News', href: '/news' }];
  const content = (
    <>
      {page.customHeading ? null : <h1>{page.title}</h1>}
      <FlashMessage ctx={ctx} />
      {page.body}
    </>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        {page.description ? <meta name="description" content={page.description} /> : null}
        <link rel="stylesheet" href={assetUrl('css/site.css')} />
        <link rel="icon" href={assetUrl('favicon.svg')} type="image/svg+xml" />
        <link rel="alternate" type="application/rss+xml" title={`${settings.shortName} news`} href="/news/feed.xml" />
        {page.admin ? <script src={assetUrl('htmx.js')} defer /> : null}
        {page.admin ? <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' /> : null}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <div class="wrap">
            <a class="brand" href="/">
              {logoUrl ? <img class="brand-logo" src={logoUrl} alt="" /> : null}
              <span class="brand-name">
                <span class="brand-full">{settings.associationName}</span>
                <span class="brand-short">{settings.shortName || settings.associationName}</span>
              </span>
            </a>
            <nav class="site-nav" aria-label="Main">
              <ul>
                {nav.map((item) => (
                  <li>
                    <a href={item.href} aria-current={isCurrent(ctx.path, item.href) ? 'page' : undefined}>
                      {item.title}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="user-bar">
              {ctx.user ? (
                <>
                  <span>Signed in as {ctx.user.name}</span> <a href="/account">My account</a> <a href="/directory">Member directory</a>
                  {ctx.user.role === 'admin' ? (
                    <>
                      {' '}
                      <a href="/admin">Admin</a>
                    </>
                  ) : null}{' '}
                  <form class="inline" method="post" action="/logout">
                    <CsrfField token={ctx.csrf} />
                    <button type="submit" class="link-button">
                      Log out
                    </button>
                  </form>
                </>
              ) : (
                <a href="/login">Log in</a>
              )}
            </div>
          </div>
        </header>
        <main id="main" class="wrap">
          {page.admin ? <AdminFrame ctx={ctx}>{content}</AdminFrame> : content}
        </main>
        <footer class="site-footer">
          <div class="wrap">
            <p>
              {settings.associationName}
              {settings.contactEmail ? (
                <>
                  {' · '}
                  <a href={`mailto:${settings.contactEmail}`}>{settings.contactEmail}</a>
                </>
              ) : null}
            </p>
            <p class="muted">
              <a href="/news/feed.xml">News feed (RSS)</a> · <a href="/sitemap.xml">Site map</a> · Runs on Headworks, open-source association software.
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
