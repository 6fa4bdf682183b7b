import type { FastifyBaseLogger } from 'fastify';

export interface PurgeOptions {
  /**
   * The CDN's purge-by-tag endpoint; `{key}` in it is replaced by the surrogate key, URL-encoded.
   * Fastly: https://api.fastly.com/service/<id>/purge/{key}; Cloudflare:
   * https://api.cloudflare.com/client/v4/zones/<zone>/purge_cache (the tag goes in the body).
   */
  url: string;
  token?: string;
  /** `authorization` (default): `Bearer <token>`; any other name (Fastly-Key): the token as it is. */
  tokenHeader: string;
  /** The tag the answers carry (Surrogate-Key, Cache-Tag). */
  surrogateKey: string;
  /** Deadline of one purge call. */
  timeoutMs: number;
  log: FastifyBaseLogger;
  /** Told of each call's outcome (metrics). */
  onOutcome?: (outcome: 'ok' | 'failed') => void;
}

/**
 * Asks a CDN to drop its copies of the sidebar when this instance made a new version, so an
 * edge that keeps copies longer than the default second (a larger s-maxage in SIDEBAR_HTTP_CACHE_CONTROL)
 * serves the new one at once. Never in the way of a refresh: not awaited, one call at a time
 * with at most one more queued (versions made meanwhile are covered by it: a purge drops every
 * copy of the tag), each under a deadline; a failure is logged and counted, and the copies then
 * expire by their s-maxage as without a purge. POST with a JSON body naming the tag, which
 * Cloudflare reads and Fastly ignores.
 */
export function createPurger(options: PurgeOptions) {
  const { log, surrogateKey } = options;
  const url = options.url.replaceAll('{key}', encodeURIComponent(surrogateKey));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) {
    const name = options.tokenHeader.toLowerCase();
    headers[name] = name === 'authorization' ? `Bearer ${options.token}` : options.token;
  }
  const body = JSON.stringify({ tags: [surrogateKey] });
  let running: Promise<void> | null = null;
  let queued: number | null = null;
  let closed = false;
  let failing = false;

  async function call(version: number): Promise<void> {
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      options.onOutcome?.('ok');
      if (failing) log.info({ cdn_purge: surrogateKey }, 'CDN purge works again');
      failing = false;
      log.debug({ cdn_purge: surrogateKey, version }, 'CDN purged');
    } catch (err) {
      options.onOutcome?.('failed');
      // Logged on the transition only: a CDN API that is down would otherwise log each refresh.
      if (!failing) log.warn({ cdn_purge: surrogateKey, version, err: (err as Error).message }, 'CDN purge failed; edge copies expire by their s-maxage');
      failing = true;
    }
  }

  function run(version: number): void {
    running = call(version).finally(() => {
      running = null;
      const next = queued;
      queued = null;
      if (next !== null && !closed) run(next);
    });
  }

  return {
    /** A new version exists: purge now, or once the call in flight is done. */
    purge(version: number): void {
      if (closed) return;
      if (running) queued = version;
      else run(version);
    },
    /** Waits for a call in flight (bounded by its deadline); starts no other. */
    async close(): Promise<void> {
      closed = true;
      await running;
    },
  };
}

export type Purger = ReturnType<typeof createPurger>;
