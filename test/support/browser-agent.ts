import { request as httpRequest } from 'node:http';
import { openApiProblem } from './openapi';

/**
 * A browser as the hosted pages see one, over plain HTTP: a cookie jar, top-level navigations (with
 * `Sec-Fetch-Mode: navigate`), and form posts from the page itself (its `Origin`, `Sec-Fetch-Site:
 * same-origin`). Redirects are not followed: a test reads each 303. Every answer is checked against
 * the OpenAPI document. The real-browser tests (test/browser/) drive Chromium through the same pages.
 */
export interface PageReply {
  status: number;
  headers: Headers;
  text: string;
  location?: string;
}

export class BrowserAgent {
  readonly jar = new Map<string, string>();

  constructor(private readonly origin: string) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** node:http, not fetch: undici sets `Sec-Fetch-Mode: cors` itself, as a browser's fetch() would. */
  private async send(url: string, init: { method?: string; headers: Record<string, string>; body?: string }) {
    const res = await raw(url, init);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()];
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = res.text;
    const problem = openApiProblem(init.method ?? 'GET', url, res.status, res.headers, text);
    if (problem) throw new Error(`response breaks the OpenAPI document: ${problem}`);
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') ?? undefined };
  }

  /** A top-level navigation (typing a URL, following a link or a redirect). */
  navigate(url: string, headers: Record<string, string> = {}): Promise<PageReply> {
    return this.send(url, {
      headers: { cookie: this.cookieHeader(), 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none', ...headers },
    });
  }

  /**
   * Submits a form of a page this agent loaded (its hidden fields first, then `fields`); `headers`
   * replace the browser's (an empty value leaves that header out).
   */
  submit(page: PageReply, action: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ ...hiddenFields(page.text, action), ...fields });
    const all: Record<string, string> = {
      cookie: this.cookieHeader(),
      'content-type': 'application/x-www-form-urlencoded',
      origin: this.origin,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'navigate',
      ...headers,
    };
    for (const [name, value] of Object.entries(all)) if (value === '') delete all[name];
    return this.send(`${this.origin}${action}`, { method: 'POST', headers: all, body: body.toString() });
  }
}

/** One HTTP exchange, its headers as a fetch Headers. */
function raw(url: string, init: { method?: string; headers: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          for (const v of [value ?? []].flat()) headers.append(name, String(v));
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The hidden inputs of the form whose action ends with `action`. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const forms = html
    .split('<form')
    .slice(1)
    .filter((f) => new RegExp(`action="[^"]*${action}"`).test(f));
  const fields: Record<string, string> = {};
  for (const form of forms)
    for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields[m[1]] = m[2]
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
  return fields;
}

/** The query parameters of a redirect's Location. */
export const paramsOf = (location: string | undefined) => Object.fromEntries(new URL(location ?? 'x:').searchParams);
