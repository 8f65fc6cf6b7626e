import type { SiteSettings } from '#core/settings.js';
import { Field, Form, Select, TextArea, Checkbox, type FieldErrors } from '#core/views/forms.js';
import { formatDate, formatDateTime, trustedHtml } from '#core/views/render.js';
import { Pagination } from '#core/views/pagination.js';
import type { NewsRow, PageRow } from './queries.js';

function Prose({ html }: { html: string }) {
  // body_html was sanitized when it was saved (see core/markdown).
  return <div class="prose" dangerouslySetInnerHTML={{ __html: trustedHtml(html) }} />;
}

export function HomeBody({ settings, page, signedIn }: { settings: SiteSettings; page: PageRow; signedIn: boolean }) {
  return (
    <>
      <section class="hero" aria-labelledby="home-title">
        <h1 id="home-title">{settings.associationName}</h1>
        {settings.tagline ? <p class="tagline">{settings.tagline}</p> : null}
        <div class="actions">
          <a class="button" href="/join">
            Become a member
          </a>
          {signedIn ? (
            <a class="button secondary" href="/account">
              My account
            </a>
          ) : (
            <a class="button secondary" href="/login">
              Log in
            </a>
          )}
        </div>
      </section>
      <Prose html={page.body_html} />
    </>
  );
}

export function PageBody({ page }: { page: PageRow }) {
  return (
    <>
      {page.visibility === 'members' ? <p class="badge members">Members only</p> : null}
      <Prose html={page.body_html} />
    </>
  );
}

type NewsSummary = Pick<NewsRow, 'slug' | 'title' | 'summary' | 'visibility' | 'published_at'>;

export function NewsList({ posts, page, pages, timeZone }: { posts: NewsSummary[]; page: number; pages: number; timeZone: string }) {
  if (posts.length === 0) return <p>No news yet.</p>;
  return (
    <>
      <ul class="news-list">
        {posts.map((post) => (
          <li>
            <article>
              <h2>
                <a href={`/news/${post.slug}`}>{post.title}</a>
              </h2>
              <p class="meta">
                {post.published_at ? <time dateTime={post.published_at}>{formatDate(post.published_at, timeZone)}</time> : null}
                {post.visibility === 'members' ? <span class="badge members">Members only</span> : null}
              </p>
              <p>{post.summary}</p>
            </article>
          </li>
        ))}
      </ul>
      <Pagination base="/news" page={page} pages={pages} />
    </>
  );
}

export function NewsPost({ post, timeZone, published }: { post: NewsRow; timeZone: string; published: boolean }) {
  return (
    <article>
      <p class="meta">
        {published && post.published_at ? (
          <time dateTime={post.published_at}>{formatDate(post.published_at, timeZone)}</time>
        ) : (
          <span class="badge draft">Draft: only administrators can see this</span>
        )}
        {post.visibility === 'members' ? <span class="badge members">Members only</span> : null}
      </p>
      <Prose html={post.body_html} />
      <p>
        <a href="/news">All news</a>
      </p>
    </article>
  );
}

// Admin screens

const visibilityOptions = [
  { value: 'public', label: 'Everyone (public)' },
  { value: 'members', label: 'Signed-in members only' },
];

const MARKDOWN_HINT = (
  <>
    Write in Markdown: a blank line between paragraphs, <code>## Heading</code> for a heading, <code>- item</code> for a list, <code>[text](https://address)</code> for a link.
  </>
);

/** With JavaScript, shows the text as it will look, without saving (htmx posts the form's fields). */
function MarkdownPreview() {
  return (
    <>
      <div class="form-actions">
        <button type="button" class="secondary" hx-post="/admin/preview" hx-target="#preview" hx-swap="innerHTML">
          Preview the text
        </button>
      </div>
      <div id="preview" class="preview prose" aria-live="polite"></div>
    </>
  );
}

export function AdminPageList({ pages, timeZone }: { pages: Pick<PageRow, 'id' | 'slug' | 'title' | 'visibility' | 'menu_order' | 'updated_at'>[]; timeZone: string }) {
  return (
    <>
      <p>
        <a class="button" href="/admin/pages/new">
          New page
        </a>
      </p>
      <div class="table-wrap" role="region" aria-label="Pages of the site" tabIndex={0}>
        <table class="data">
          <caption class="visually-hidden">Pages of the site</caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Address</th>
              <th scope="col">Who can see it</th>
              <th scope="col">Menu position</th>
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {pages.map((p) => (
              <tr>
                <td>
                  <a href={`/admin/pages/${p.id}`}>{p.title}</a>
                </td>
                <td>
                  <a href={p.slug === 'home' ? '/' : `/${p.slug}`}>{p.slug === 'home' ? '/' : `/${p.slug}`}</a>
                </td>
                <td>{p.visibility === 'public' ? 'Everyone' : 'Members only'}</td>
                <td>{p.menu_order ?? <span class="muted">Not in menu</span>}</td>
                <td>{formatDateTime(p.updated_at, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function AdminPageForm(props: { action: string; csrf: string; values: Record<string, string>; errors?: FieldErrors; isHome: boolean; deleteHref?: string }) {
  const { values, errors = {} } = props;
  return (
    <Form action={props.action} csrf={props.csrf} errors={errors}>
      <Field name="title" label="Title" value={values.title} error={errors.title} required maxLength={150} />
      {props.isHome ? (
        <p class="hint">This is the home page; its address is always “/”.</p>
      ) : (
        <Field
          name="slug"
          label="Web address"
          value={values.slug}
          error={errors.slug}
          hint="The part after the site's address, e.g. annual-conference. Leave empty to make one from the title."
        />
      )}
      <Field
        name="description"
        label="Description for search engines"
        value={values.description}
        error={errors.description}
        hint="One sentence shown under the page's title in search results. Leave empty to use the start of the text."
      />
      <TextArea name="body" label="Text" value={values.body} error={errors.body} hint={MARKDOWN_HINT} markdown rows={18} />
      <MarkdownPreview />
      <Select name="visibility" label="Who can see this page" value={values.visibility ?? 'public'} options={visibilityOptions} error={errors.visibility} />
      {props.isHome ? null : (
        <Field
          name="menu_order"
          label="Position in the main menu"
          type="number"
          value={values.menu_order}
          error={errors.menu_order}
          hint="1 is first. Leave empty to keep the page out of the menu. Members-only pages appear in the menu only for signed-in members."
        />
      )}
      <div class="form-actions">
        <button type="submit">Save page</button>
        <a class="button secondary" href="/admin/pages">
          Cancel
        </a>
        {props.deleteHref ? (
          <a class="button secondary" href={props.deleteHref}>
            Delete…
          </a>
        ) : null}
      </div>
    </Form>
  );
}

export function AdminNewsList({ posts, timeZone }: { posts: Pick<NewsRow, 'id' | 'slug' | 'title' | 'visibility' | 'published_at'>[]; timeZone: string }) {
  return (
    <>
      <p>
        <a class="button" href="/admin/news/new">
          New post
        </a>
      </p>
      {posts.length === 0 ? (
        <p>No posts yet.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="News posts" tabIndex={0}>
          <table class="data">
            <caption class="visually-hidden">News posts</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Who can see it</th>
              </tr>
            </thead>
            <tbody>
              {posts.map((p) => (
                <tr>
                  <td>
                    <a href={`/admin/news/${p.id}`}>{p.title}</a>
                  </td>
                  <td>{p.published_at ? `Published ${formatDate(p.published_at, timeZone)}` : <span class="badge draft">Draft</span>}</td>
                  <td>{p.visibility === 'public' ? 'Everyone' : 'Members only'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function AdminNewsForm(props: { action: string; csrf: string; values: Record<string, string>; errors?: FieldErrors; deleteHref?: string; viewHref?: string }) {
  const { values, errors = {} } = props;
  return (
    <Form action={props.action} csrf={props.csrf} errors={errors}>
      <Field name="title" label="Title" value={values.title} error={errors.title} required maxLength={150} />
      <Field name="slug" label="Web address" value={values.slug} error={errors.slug} hint="Shown after /news/. Leave empty to make one from the title." />
      <Field
        name="summary"
        label="Summary"
        value={values.summary}
        error={errors.summary}
        hint="One or two sentences for the news list and the feed. Leave empty to use the start of the text."
      />
      <TextArea name="body" label="Text" value={values.body} error={errors.body} hint={MARKDOWN_HINT} markdown rows={16} required />
      <MarkdownPreview />
      <Select name="visibility" label="Who can see this post" value={values.visibility ?? 'public'} options={visibilityOptions} error={errors.visibility} />
      <Checkbox name="published" label="Published (visible on the site and in the feed)" checked={values.published === 'on'} />
      <div class="form-actions">
        <button type="submit">Save post</button>
        <a class="button secondary" href="/admin/news">
          Cancel
        </a>
        {props.viewHref ? (
          <a class="button secondary" href={props.viewHref}>
            View
          </a>
        ) : null}
        {props.deleteHref ? (
          <a class="button secondary" href={props.deleteHref}>
            Delete…
          </a>
        ) : null}
      </div>
    </Form>
  );
}

export function ConfirmDelete(props: { what: string; action: string; csrf: string; back: string; errors?: FieldErrors }) {
  return (
    <Form action={props.action} csrf={props.csrf} label="Confirm deletion" errors={props.errors}>
      <p>
        Delete <strong>{props.what}</strong>? This cannot be undone.
      </p>
      <div class="form-actions">
        <button type="submit" class="danger">
          Yes, delete it
        </button>
        <a class="button secondary" href={props.back}>
          No, keep it
        </a>
      </div>
    </Form>
  );
}

export function PreviewFragment({ html, empty }: { html: string; empty: boolean }) {
  return (
    <>
      <h2 class="visually-hidden">Preview</h2>
      {empty ? <p class="muted">Nothing to preview yet: write some text first.</p> : <div dangerouslySetInnerHTML={{ __html: trustedHtml(html) }} />}
    </>
  );
}
