import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/index.js';

/** Bump when what the cache holds changes shape, so instances never read each other's old values. v3: the basis (hierarchy.ts), not the body; v4: with the jurisdictions; v5: with its version. */
const cacheSchemaVersion = 'v5';

/**
 * Shared-cache keys. A version's basis never changes, so it is written under its own key and
 * never overwritten: a slow reader that finishes after a refresh can only write the old
 * version's key, which nobody who knows the new version reads.
 */
export function sidebarCacheKeys(prefix: string) {
  // {sidebar} is a Redis Cluster hash tag: every key in one slot, so deleting several at once
  // (invalidate) works on a cluster. A handful of keys, read once per version per process:
  // one shard holding them is no hot spot.
  const base = `${prefix}:${cacheSchemaVersion}:{sidebar}`;
  return {
    version: (v: number) => `${base}:${v}`,
    fallback: `${base}:fallback`,
    /** The newest version written, for an instance that starts while the database is down. */
    latest: `${base}:latest`,
    /** Pub/sub channel: each new version's number, so every instance switches at once, not at its next poll. */
    versions: `${base}:versions`,
  };
}

export type SidebarCacheKeys = ReturnType<typeof sidebarCacheKeys>;

/**
 * The shared cache as the sidebar uses it: a failing or disconnected cache is a miss, a write
 * skipped or an announcement left to polling, counted in `errors` and logged, never an error
 * for the request.
 */
export function createSharedCache({ cache, log, onError }: { cache: Cache; log: FastifyBaseLogger; onError: () => void }) {
  return {
    backend: cache.backend,

    async read(key: string): Promise<string | null> {
      // A disconnected Redis would fail at once anyway; skipping it keeps the log quiet.
      if (!cache.isConnected()) return null;
      try {
        return await cache.get(key);
      } catch (err) {
        onError();
        log.debug({ err, cache: cache.backend }, 'sidebar cache read failed; reading the database');
        return null;
      }
    },

    /** Never rejects, so callers need not await it: a stalled cache must not hold an answer. */
    async write(key: string, body: string, ttlSeconds: number): Promise<void> {
      if (!cache.isConnected()) return;
      try {
        await cache.set(key, body, ttlSeconds);
      } catch (err) {
        onError();
        log.debug({ err, cache: cache.backend }, 'sidebar cache write failed');
      }
    },

    /** Not awaited by callers: polling is the backstop when this fails. */
    publish(channel: string, message: string): void {
      if (!cache.isConnected()) return;
      cache.publish(channel, message).catch((err) => {
        onError();
        log.debug({ err, cache: cache.backend }, 'announcing the new sidebar version failed; other instances find it by polling');
      });
    },

    async del(...keys: string[]): Promise<void> {
      try {
        await cache.del(...keys);
      } catch (err) {
        onError();
        log.warn({ err, cache: cache.backend }, 'sidebar cache invalidation failed');
      }
    },
  };
}

export type SharedCache = ReturnType<typeof createSharedCache>;
