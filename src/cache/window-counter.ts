import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Cache } from './types.js';

/**
 * Hits per key in fixed windows, for limits that hold across the fleet: counted in the shared
 * cache (with Redis, one count for every instance and worker), and, while the cache cannot
 * answer, in this process, so a limit keeps holding per process during a Redis outage rather
 * than failing open or failing requests.
 */
export function createWindowCounter(cache: Pick<Cache, 'hit' | 'isConnected'>, options: { prefix: string; now?: () => number; maxLocalKeys?: number }) {
  const now = options.now ?? Date.now;
  const maxLocalKeys = options.maxLocalKeys ?? 100_000;
  const local = new Map<string, { count: number; resetAt: number }>();

  function localHit(key: string, windowMs: number): { count: number; ttlMs: number } {
    const t = now();
    let entry = local.get(key);
    if (!entry || entry.resetAt <= t) {
      // A flood of distinct keys cannot grow the map without bound: the oldest are forgotten.
      if (!entry && local.size >= maxLocalKeys) local.delete(local.keys().next().value as string);
      entry = { count: 0, resetAt: t + windowMs };
      local.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, ttlMs: entry.resetAt - t };
  }

  return {
    async hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
      if (cache.isConnected()) {
        try {
          return await cache.hit(`${options.prefix}:${key}`, windowMs);
        } catch {
          // The cache failed this once (its deadline passed): this process counts instead.
        }
      }
      return localHit(key, windowMs);
    },
  };
}

export type WindowCounter = ReturnType<typeof createWindowCounter>;

/**
 * A store for @fastify/rate-limit counting in a WindowCounter: a route's limit holds for the
 * fleet when the counter is Redis's. One key per route and client (the plugin's key).
 */
export function windowCounterStore(counter: WindowCounter): FastifyRateLimitStoreCtor {
  return class WindowCounterStore implements FastifyRateLimitStore {
    constructor(
      // The plugin constructs a store with its options (the store of every route without a limit
      // of its own, 'global'); a route's is made by child().
      _options?: unknown,
      private readonly route = 'global',
    ) {}

    incr(key: string, done: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counter.hit(`rate:${this.route}:${key}`, timeWindow).then(
        ({ count, ttlMs }) => done(null, { current: count, ttl: ttlMs }),
        (err: Error) => done(err),
      );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // The plugin passes its options merged with the route's, the route itself as routeInfo
      // (its types say the route's options).
      const route = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo ?? routeOptions;
      return new WindowCounterStore(undefined, `${route.method} ${route.url}`);
    }
  };
}
