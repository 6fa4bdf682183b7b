import { EventEmitter } from 'node:events';
import type { Cache } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * In-process cache, the default when REDIS_URL is unset. Expired entries are dropped when
 * read and swept periodically, so a key written once is not kept forever.
 */
export function createInProcessCache(now: () => number = Date.now): Cache {
  const entries = new Map<string, Entry>();
  // Publish and subscribe within this process: every app sharing this cache hears every message.
  const channels = new EventEmitter();
  channels.setMaxListeners(0);
  const sweep = setInterval(() => {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  }, 60_000);
  sweep.unref();

  return {
    backend: 'in-process',
    description: 'in-process memory cache',
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return null;
      }
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async del(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async hit(key, windowMs) {
      const t = now();
      const entry = entries.get(key);
      if (!entry || entry.expiresAt <= t) {
        entries.set(key, { value: '1', expiresAt: t + windowMs });
        return { count: 1, ttlMs: windowMs };
      }
      entry.value = String(Number(entry.value) + 1);
      return { count: Number(entry.value), ttlMs: entry.expiresAt - t };
    },
    isConnected: () => true,
    async publish(channel, message) {
      channels.emit(channel, message);
    },
    subscribe(channel, onMessage) {
      channels.on(channel, onMessage);
      return async () => {
        channels.off(channel, onMessage);
      };
    },
    isSubscribed: () => true,
    // One process: every app sharing this cache is in it.
    listeners: async (channel) => (channels.listenerCount(channel) > 0 ? 1 : 0),
    async close() {
      clearInterval(sweep);
      entries.clear();
      channels.removeAllListeners();
    },
  };
}
