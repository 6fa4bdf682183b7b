import type { ErrorBody, FeedFormat, ImportResult, RefreshLog, RegionSidebar, Sidebar, SidebarWindow, Stats } from './contract.js';
import { paths } from './contract.js';

/** Which sidebar: the query parameters of GET /sidebar and of its stream. */
export interface SidebarParams {
  /** all (default), live, next_24h or today. */
  window?: SidebarWindow;
  /** For window=today: the IANA time zone whose day ends the window (default UTC). */
  tz?: string;
  /** league (default): sports list leagues; region: sports list regions, each its leagues. */
  group?: 'league' | 'region';
  /** BCP 47 language of the names (es, pt-BR); falls back to the default names. */
  lang?: string;
  /** ISO 3166 code where the bettor is (FR, US-NJ): what its rules hide is left out. */
  jurisdiction?: string;
}

/** The sidebar's shape for those parameters: grouped by region, or not. */
export type SidebarOf<P extends SidebarParams> = P['group'] extends 'region' ? RegionSidebar : Sidebar;

export interface SidebarClientOptions {
  /** Where the service is: https://sidebar.example.com. Default: the page's own origin (browsers). */
  baseUrl?: string;
  /** The admin token (ADMIN_API_KEY or a Supabase JWT) for refresh, stats and importEvents. */
  token?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Next.js's extension of fetch's options: how long its data cache keeps the answer, and its tags. */
export interface NextFetchOptions {
  revalidate?: number | false;
  tags?: string[];
}

/** What one getSidebar() call takes besides the parameters. */
export interface GetSidebarOptions {
  signal?: AbortSignal;
  /** Passed to fetch: Next.js's data cache (in a Server Component: `{ revalidate: 5, tags: ['sidebar'] }`). */
  next?: NextFetchOptions;
  /** Passed to fetch (`no-store`, `force-cache`…). */
  cache?: RequestCache;
}

/** The fetch to use: the option, or the global one at the time of each call. */
export const fetchOf = (options: SidebarClientOptions): typeof fetch => options.fetch ?? ((input, init) => fetch(input, init));

/** A 4xx or 5xx answer: its status and the service's error body (null when it sent none). */
export class SidebarApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
    /** Seconds the service asked to wait (Retry-After), or null. */
    readonly retryAfter: number | null,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'SidebarApiError';
  }
}

/** The query string of a sidebar's parameters, in a fixed order (one URL, one cache entry). */
export function sidebarQuery(params: SidebarParams): string {
  const query = new URLSearchParams();
  for (const key of ['window', 'tz', 'group', 'lang', 'jurisdiction'] as const) {
    const value = params[key];
    if (value !== undefined && value !== '') query.set(key, value);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

export async function apiError(response: Response): Promise<SidebarApiError> {
  let body: ErrorBody | null = null;
  try {
    const parsed = (await response.json()) as Partial<ErrorBody>;
    if (typeof parsed?.message === 'string') body = parsed as ErrorBody;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const retry = Number(response.headers.get('retry-after'));
  return new SidebarApiError(response.status, body, response.headers.has('retry-after') && Number.isFinite(retry) ? retry : null);
}

/**
 * The service's HTTP calls. getSidebar() remembers each URL's last answer and ETag, and
 * asks with If-None-Match: an unchanged sidebar is a 304 and the same object as before (so a
 * React render can compare by reference).
 */
export function createHttpClient(options: SidebarClientOptions = {}) {
  const doFetch = fetchOf(options);
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const held = new Map<string, { etag: string; body: Sidebar | RegionSidebar }>();

  const url = (path: string) => `${base}${path}`;
  const admin = (token: string | undefined): Record<string, string> => {
    const value = token ?? options.token;
    if (!value) throw new Error('an admin token is needed (the token option, or the call’s own)');
    return { authorization: `Bearer ${value}` };
  };
  async function json<T>(response: Response): Promise<T> {
    if (!response.ok) throw await apiError(response);
    return (await response.json()) as T;
  }

  return {
    /** The service's URL of a path (for links, and the stream). */
    url,

    /**
     * GET /sidebar. With `next` or `cache` (a Server Component, whose fetch has a data cache of
     * its own), the answer is asked in full: a 304 kept in that cache could not be answered from
     * this process's copy in another.
     */
    async getSidebar<P extends SidebarParams>(params: P & GetSidebarOptions = {} as P): Promise<SidebarOf<P>> {
      const target = url(paths.sidebar + sidebarQuery(params));
      const framework = params.next !== undefined || params.cache !== undefined;
      const previous = framework ? undefined : held.get(target);
      const init: RequestInit & { next?: NextFetchOptions } = {
        headers: { accept: 'application/json', ...(previous ? { 'if-none-match': previous.etag } : {}) },
        signal: params.signal,
        ...(params.next !== undefined ? { next: params.next } : {}),
        ...(params.cache !== undefined ? { cache: params.cache } : {}),
      };
      const response = await doFetch(target, init);
      if (response.status === 304 && previous) return previous.body as SidebarOf<P>;
      const body = await json<SidebarOf<P>>(response);
      const etag = response.headers.get('etag');
      // The same version answered in full (a cache between that ignores If-None-Match): the same object.
      if (previous && etag === previous.etag) return previous.body as SidebarOf<P>;
      if (etag && !framework) held.set(target, { etag, body });
      return body;
    },

    /** POST /refresh: the log row (status success, skipped when another refresh runs, or error). */
    async refresh(token?: string): Promise<RefreshLog> {
      const response = await doFetch(url(paths.refresh), { method: 'POST', headers: admin(token) });
      // 409 (skipped) answers with the log row, and so does 500 when the refresh itself failed.
      if (response.status === 200 || response.status === 409) return (await response.json()) as RefreshLog;
      if (response.status === 500) {
        const row = (await response
          .clone()
          .json()
          .catch(() => null)) as RefreshLog | null;
        if (row?.status === 'error') return row;
      }
      throw await apiError(response);
    },

    /** GET /stats; recent: how many of the newest refreshes it lists (1-500, default 20). */
    async stats(token?: string, statsOptions: { recent?: number } = {}): Promise<Stats> {
      const query = statsOptions.recent === undefined ? '' : `?recent=${statsOptions.recent}`;
      return json<Stats>(await doFetch(url(paths.stats + query), { headers: { accept: 'application/json', ...admin(token) } }));
    },

    /** POST /events: a feed payload (JSON or NDJSON text, or records to send as JSON). */
    async importEvents(
      payload: string | unknown[] | object,
      importOptions: { format?: FeedFormat; ndjson?: boolean; token?: string } = {},
    ): Promise<ImportResult> {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const query = importOptions.format ? `?format=${encodeURIComponent(importOptions.format)}` : '';
      const response = await doFetch(url(paths.events + query), {
        method: 'POST',
        headers: { 'content-type': importOptions.ndjson ? 'application/x-ndjson' : 'application/json', ...admin(importOptions.token) },
        body,
      });
      return json<ImportResult>(response);
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;
