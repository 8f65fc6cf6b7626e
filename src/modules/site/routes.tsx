import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '#core/audit/index.js';
import { MembershipNeeded } from '#core/auth/guards.js';
import { renderMarkdown } from '#core/markdown.js';
import { renderFragment } from '#core/views/render.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { findById, parsePageNumber } from '#core/http/params.js';
import type { SiteState } from '#core/settings.js';
import type { PageOptions } from '#core/views/context.js';
import { HOME_SLUG, newsInput, pageInput, type SiteService } from './service.js';
import type { NewsRow, PageRow } from './queries.js';
import * as v from './views.js';

interface Deps {
  site: SiteService;
  state: SiteState;
  baseUrl: string;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function siteRoutes(app: FastifyInstance, { site, state, baseUrl }: Deps) {
  /**
   * Anonymous visitors get a cached copy, served before any other work; signed-in users get a
   * fresh page with their own bar. `load` returns the page, or null when it has already answered
   * (a redirect or a 404), which is never cached.
   */
  async function publicPage(request: FastifyRequest, reply: FastifyReply, load: () => Promise<PageOptions | null>) {
    const anonymous = !request.user && !request.flash;
    if (anonymous) {
      const hit = await site.cachedPage(request.url);
      if (hit !== undefined) return reply.type('text/html; charset=utf-8').send(hit);
    }
    const options = await load();
    if (!options) return reply;
    if (!anonymous) return reply.page(options);
    const body = await site.keepPage(request.url, await reply.renderPage(options));
    return reply.type('text/html; charset=utf-8').send(body);
  }

  function notFound(reply: FastifyReply) {
    reply.callNotFound();
    return null;
  }

  /** A visitor is sent to log in and back; a signed-in user without an active membership is told how to renew. */
  function membersOnly(request: FastifyRequest, reply: FastifyReply) {
    if (request.user) void reply.page({ status: 403, title: 'For members', body: <MembershipNeeded /> });
    else reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }

  app.get('/', async (request, reply) =>
    publicPage(request, reply, async () => {
      const [page, settings] = await Promise.all([site.getPage(HOME_SLUG), state.getSettings()]);
      if (!page) return notFound(reply);
      return {
        title: settings.associationName,
        description: page.description,
        customHeading: true,
        body: <v.HomeBody settings={settings} page={page} signedIn={!!request.user} />,
      };
    }),
  );

  app.get('/home', async (_request, reply) => reply.redirect('/', 301));

  app.get<{ Params: { slug: string } }>('/:slug', async (request, reply) =>
    publicPage(request, reply, async () => {
      const page = await site.getPage(request.params.slug.toLowerCase());
      if (!page) return notFound(reply);
      if (page.visibility === 'members' && !(await request.hasMemberAccess())) return membersOnly(request, reply);
      return { title: page.title, description: page.description, body: <v.PageBody page={page} /> };
    }),
  );

  app.get<{ Querystring: { page?: string } }>('/news', async (request, reply) =>
    publicPage(request, reply, async () => {
      const pageNumber = parsePageNumber(request.query.page);
      const [{ posts, pages }, settings] = await Promise.all([
        site.publishedNews({ signedIn: await request.hasMemberAccess(), page: pageNumber, perPage: 10 }),
        state.getSettings(),
      ]);
      return {
        title: 'News',
        description: `News from ${settings.associationName}.`,
        body: <v.NewsList posts={posts} page={Math.min(pageNumber, pages)} pages={pages} timeZone={settings.timeZone} />,
      };
    }),
  );

  app.get('/news/feed.xml', async (_request, reply) => {
    const settings = await state.getSettings();
    const xml = await site.cached('feed.xml', async () => {
      const { Feed } = await import('feed');
      const { posts } = await site.publishedNews({ signedIn: false, page: 1, perPage: 20 });
      const feed = new Feed({
        title: `${settings.associationName} news`,
        description: settings.tagline || `News from ${settings.associationName}`,
        id: `${baseUrl}/news`,
        link: `${baseUrl}/news`,
        language: 'en',
        copyright: settings.associationName,
        updated: posts[0] ? new Date(posts[0].updated_at) : undefined,
        feedLinks: { rss: `${baseUrl}/news/feed.xml` },
      });
      for (const post of posts) {
        feed.addItem({
          title: post.title,
          id: `${baseUrl}/news/${post.slug}`,
          link: `${baseUrl}/news/${post.slug}`,
          description: post.summary,
          content: post.body_html,
          date: new Date(post.published_at ?? post.updated_at),
        });
      }
      return feed.rss2();
    });
    return reply.type('application/rss+xml; charset=utf-8').send(xml);
  });

  app.get<{ Params: { slug: string } }>('/news/:slug', async (request, reply) => {
    const post = await site.getNews(request.params.slug.toLowerCase());
    if (!post) return reply.callNotFound();
    const published = site.isPublished(post);
    // Drafts are shown to admins only, and never cached.
    if (!published && request.user?.role !== 'admin') return reply.callNotFound();
    if (post.visibility === 'members' && !(await request.hasMemberAccess())) return membersOnly(request, reply) ?? reply;
    const settings = await state.getSettings();
    const options = { title: post.title, description: post.summary, body: <v.NewsPost post={post} timeZone={settings.timeZone} published={published} /> };
    return published ? publicPage(request, reply, async () => options) : reply.page(options);
  });

  app.get('/sitemap.xml', async (_request, reply) => {
    const xml = await site.cached('sitemap.xml', async () => {
      const entries = await site.sitemapEntries();
      const urls = entries.map((e) => `<url><loc>${xmlEscape(baseUrl + e.path)}</loc>${e.updated ? `<lastmod>${e.updated.slice(0, 10)}</lastmod>` : ''}</url>`).join('\n');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`;
    });
    return reply.type('application/xml; charset=utf-8').send(xml);
  });

  app.get('/robots.txt', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send(`User-agent: *\nDisallow: /admin\nDisallow: /account\nSitemap: ${baseUrl}/sitemap.xml\n`),
  );

  // Admin: pages

  const pageValues = (p: PageRow) => ({
    title: p.title,
    slug: p.slug,
    description: p.description,
    body: p.body_md,
    visibility: p.visibility,
    menu_order: p.menu_order === null ? '' : String(p.menu_order),
  });

  app.get('/admin/pages', async (_request, reply) => {
    const [pages, settings] = await Promise.all([site.listPages(), state.getSettings()]);
    return reply.page({ title: 'Pages', admin: true, body: <v.AdminPageList pages={pages} timeZone={settings.timeZone} /> });
  });

  app.get('/admin/pages/new', async (_request, reply) =>
    reply.page({
      title: 'New page',
      admin: true,
      body: <v.AdminPageForm action="/admin/pages" csrf={reply.csrfToken()} values={{ visibility: 'public' }} isHome={false} />,
    }),
  );

  app.post('/admin/pages', async (request, reply) => {
    const form = parseForm(pageInput, request.body);
    const saved = form.ok ? await site.savePage(null, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: 'New page',
        admin: true,
        body: <v.AdminPageForm action="/admin/pages" csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} isHome={false} />,
      });
    }
    reply.setFlash('success', 'The page was created.');
    return reply.redirect(`/admin/pages/${saved.value.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/pages/:id', async (request, reply) => {
    const page = await findById(request.params.id, site.getPageById);
    if (!page) return reply.callNotFound();
    const isHome = page.slug === HOME_SLUG;
    return reply.page({
      title: `Edit “${page.title}”`,
      admin: true,
      body: (
        <>
          <p>
            <a href={isHome ? '/' : `/${page.slug}`}>View this page on the site</a>
          </p>
          <v.AdminPageForm
            action={`/admin/pages/${page.id}`}
            csrf={reply.csrfToken()}
            values={pageValues(page)}
            isHome={isHome}
            deleteHref={isHome ? undefined : `/admin/pages/${page.id}/delete`}
          />
        </>
      ),
    });
  });

  app.post<{ Params: { id: string } }>('/admin/pages/:id', async (request, reply) => {
    const page = await findById(request.params.id, site.getPageById);
    if (!page) return reply.callNotFound();
    const form = parseForm(pageInput, request.body);
    const saved = form.ok ? await site.savePage(page.id, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: `Edit “${page.title}”`,
        admin: true,
        body: (
          <v.AdminPageForm
            action={`/admin/pages/${page.id}`}
            csrf={reply.csrfToken()}
            values={formValues(request.body)}
            errors={saved.errors}
            isHome={page.slug === HOME_SLUG}
            deleteHref={page.slug === HOME_SLUG ? undefined : `/admin/pages/${page.id}/delete`}
          />
        ),
      });
    }
    reply.setFlash('success', 'Your changes were saved and are now on the site.');
    return reply.redirect(`/admin/pages/${page.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/pages/:id/delete', async (request, reply) => {
    const page = await findById(request.params.id, site.getPageById);
    if (!page) return reply.callNotFound();
    return reply.page({
      title: 'Delete page',
      admin: true,
      body: <v.ConfirmDelete what={`the page “${page.title}”`} action={`/admin/pages/${page.id}/delete`} csrf={reply.csrfToken()} back={`/admin/pages/${page.id}`} />,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/pages/:id/delete', async (request, reply) => {
    const page = await findById(request.params.id, site.getPageById);
    if (!page) return reply.callNotFound();
    const result = await site.deletePage(page.id, actorOf(request));
    if (!result.ok) {
      return reply.page({
        status: 422,
        title: 'Delete page',
        admin: true,
        body: (
          <v.ConfirmDelete
            what={`the page “${page.title}”`}
            action={`/admin/pages/${page.id}/delete`}
            csrf={reply.csrfToken()}
            back={`/admin/pages/${page.id}`}
            errors={result.errors}
          />
        ),
      });
    }
    reply.setFlash('success', `The page “${page.title}” was deleted.`);
    return reply.redirect('/admin/pages', 303);
  });

  app.post('/admin/preview', async (request, reply) => {
    const body = formValues(request.body).body ?? '';
    const html = await renderMarkdown(body.slice(0, 100_000));
    return reply.type('text/html; charset=utf-8').send(renderFragment(<v.PreviewFragment html={html} empty={body.trim() === ''} />));
  });

  // Admin: news

  const newsValues = (p: NewsRow) => ({
    title: p.title,
    slug: p.slug,
    summary: p.summary,
    body: p.body_md,
    visibility: p.visibility,
    published: p.published_at ? 'on' : '',
  });

  app.get('/admin/news', async (_request, reply) => {
    const [posts, settings] = await Promise.all([site.listAllNews(), state.getSettings()]);
    return reply.page({ title: 'News', admin: true, body: <v.AdminNewsList posts={posts} timeZone={settings.timeZone} /> });
  });

  app.get('/admin/news/new', async (_request, reply) =>
    reply.page({
      title: 'New post',
      admin: true,
      body: <v.AdminNewsForm action="/admin/news" csrf={reply.csrfToken()} values={{ visibility: 'public', published: 'on' }} />,
    }),
  );

  app.post('/admin/news', async (request, reply) => {
    const form = parseForm(newsInput, request.body);
    const saved = form.ok ? await site.saveNews(null, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: 'New post',
        admin: true,
        body: <v.AdminNewsForm action="/admin/news" csrf={reply.csrfToken()} values={formValues(request.body)} errors={saved.errors} />,
      });
    }
    reply.setFlash('success', 'The post was saved.');
    return reply.redirect(`/admin/news/${saved.value.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/news/:id', async (request, reply) => {
    const post = await findById(request.params.id, site.getNewsById);
    if (!post) return reply.callNotFound();
    return reply.page({
      title: `Edit “${post.title}”`,
      admin: true,
      body: (
        <v.AdminNewsForm
          action={`/admin/news/${post.id}`}
          csrf={reply.csrfToken()}
          values={newsValues(post)}
          viewHref={`/news/${post.slug}`}
          deleteHref={`/admin/news/${post.id}/delete`}
        />
      ),
    });
  });

  app.post<{ Params: { id: string } }>('/admin/news/:id', async (request, reply) => {
    const post = await findById(request.params.id, site.getNewsById);
    if (!post) return reply.callNotFound();
    const form = parseForm(newsInput, request.body);
    const saved = form.ok ? await site.saveNews(post.id, form.data, actorOf(request)) : form;
    if (!saved.ok) {
      return reply.page({
        status: 422,
        title: `Edit “${post.title}”`,
        admin: true,
        body: (
          <v.AdminNewsForm
            action={`/admin/news/${post.id}`}
            csrf={reply.csrfToken()}
            values={formValues(request.body)}
            errors={saved.errors}
            viewHref={`/news/${post.slug}`}
            deleteHref={`/admin/news/${post.id}/delete`}
          />
        ),
      });
    }
    reply.setFlash('success', 'Your changes were saved.');
    return reply.redirect(`/admin/news/${post.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/news/:id/delete', async (request, reply) => {
    const post = await findById(request.params.id, site.getNewsById);
    if (!post) return reply.callNotFound();
    return reply.page({
      title: 'Delete post',
      admin: true,
      body: <v.ConfirmDelete what={`the post “${post.title}”`} action={`/admin/news/${post.id}/delete`} csrf={reply.csrfToken()} back={`/admin/news/${post.id}`} />,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/news/:id/delete', async (request, reply) => {
    const post = await findById(request.params.id, site.getNewsById);
    if (!post) return reply.callNotFound();
    await site.deleteNews(post.id, actorOf(request));
    reply.setFlash('success', `The post “${post.title}” was deleted.`);
    return reply.redirect('/admin/news', 303);
  });
}
