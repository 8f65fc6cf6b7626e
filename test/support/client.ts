import type { FastifyInstance } from 'fastify';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  location?: string;
}

/**
 * A browser-like client over app.inject: it keeps cookies, and `submit` fills a form the way a
 * person would: it loads the page, takes the form's CSRF token, and posts the fields.
 */
export class Client {
  readonly cookies = new Map<string, string>();
  last: Response | undefined;

  constructor(private app: FastifyInstance) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(setCookie: string | string[] | number | undefined) {
    if (!setCookie || typeof setCookie === 'number') return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, url: string, options: { form?: Record<string, string>; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let payload: string | undefined = options.body;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(options.form).toString();
    }
    const res = await this.app.inject({ method: method as 'GET', url, headers, payload });
    this.remember(res.headers['set-cookie']);
    // A server error is never what a user should meet: fail the test where it happened.
    if (res.statusCode >= 500) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
    const response: Response = { status: res.statusCode, headers: res.headers, body: res.body, location: res.headers.location as string | undefined };
    this.last = response;
    return response;
  }

  get(url: string) {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>) {
    return this.request('POST', url, { form });
  }

  /** The CSRF token of the form on the last page loaded. */
  csrf(): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(this.last?.body ?? '');
    if (!match) throw new Error(`No form with a CSRF token on the last page (status ${this.last?.status})`);
    return match[1]!;
  }

  /** Load `page`, then post `fields` (plus the page's CSRF token) to `action` (default: the page). */
  async submit(page: string, fields: Record<string, string>, action = page): Promise<Response> {
    const loaded = await this.get(page);
    if (loaded.status !== 200) throw new Error(`GET ${page} answered ${loaded.status}`);
    return this.post(action, { ...fields, _csrf: this.csrf() });
  }

  /**
   * Post a multipart/form-data form, as a browser does for a form with a file input. A file with
   * an empty name and no bytes is what a browser sends when no file was chosen.
   */
  async postMultipart(url: string, fields: Record<string, string>, files: Record<string, { name: string; type?: string; body: Buffer | string }> = {}): Promise<Response> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const [k, f] of Object.entries(files))
      form.append(k, new Blob([typeof f.body === 'string' ? f.body : new Uint8Array(f.body)], { type: f.type ?? 'application/octet-stream' }), f.name);
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    const headers: Record<string, string> = { 'content-type': encoded.headers.get('content-type')! };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const res = await this.app.inject({ method: 'POST', url, headers, payload: Buffer.from(await encoded.arrayBuffer()) });
    this.remember(res.headers['set-cookie']);
    if (res.statusCode >= 500) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
    const response: Response = { status: res.statusCode, headers: res.headers, body: res.body, location: res.headers.location as string | undefined };
    this.last = response;
    return response;
  }

  async logIn(email: string, password: string) {
    const res = await this.submit('/login', { email, password });
    if (res.status !== 303) throw new Error(`Log-in as ${email} failed with ${res.status}`);
    return res;
  }
}

/** The text of an HTML page without tags, with runs of white space folded (what a reader sees). */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<\/?(strong|em|b|i|a|span|code|time|abbr|small)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The error shown beside a field, found through the field's aria-describedby. */
export function fieldError(html: string, field: string): string | undefined {
  const match = new RegExp(`<p class="field-error" id="${field}-error">([\\s\\S]*?)</p>`).exec(html);
  return match ? visibleText(match[1]!) : undefined;
}

/** The value an input shows (what the user typed, kept after an error). */
export function inputValue(html: string, field: string): string | undefined {
  const input = new RegExp(`<input[^>]*\\bname="${field}"[^>]*>`).exec(html)?.[0];
  if (input)
    return /\bvalue="([^"]*)"/
      .exec(input)?.[1]
      ?.replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<');
  const textarea = new RegExp(`<textarea[^>]*\\bname="${field}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return textarea
    ? textarea[1]!
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
    : undefined;
}
