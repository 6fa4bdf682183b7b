import { once } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { redactUrl } from '../db/postgres.js';
import type { Cache } from './types.js';

export interface RedisCacheOptions {
  url: string;
  /** Upper bound for connecting and for any one command. */
  timeoutMs: number;
  log: FastifyBaseLogger;
}

/**
 * Redis cache through ioredis, tuned so that a slow or dead Redis costs a request at most
 * timeoutMs: no offline queue (commands fail at once while disconnected), one try per
 * command, and reconnection in the background with capped backoff.
 */
export async function createRedisCache(options: RedisCacheOptions): Promise<Cache> {
  const { log } = options;
  const client = new Redis(options.url, {
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
    connectionName: 'sidebar-service',
  });

  // Log transitions, not every failed reconnect attempt.
  let connected = false;
  let closing = false;
  let lastError = '';
  client.on('ready', () => {
    connected = true;
    lastError = '';
    log.info({ cache: 'redis' }, 'redis connected');
  });
  client.on('error', (err: Error) => {
    if (err.message !== lastError) log.warn({ cache: 'redis', err: err.message }, 'redis error; serving from the database until it recovers');
    lastError = err.message;
  });
  client.on('close', () => {
    if (connected && !closing) log.warn({ cache: 'redis' }, 'redis connection lost; serving from the database until it recovers');
    connected = false;
  });

  // Wait briefly for the first connection so the first requests can use the cache; start anyway without it.
  const timer = AbortSignal.timeout(options.timeoutMs * 2);
  await once(client, 'ready', { signal: timer }).catch(() => {
    log.warn({ cache: 'redis' }, 'redis not reachable at start-up; continuing without cache');
  });

  // Subscriptions need a connection of their own (a subscribed connection runs no other
  // command), opened at the first subscribe. ioredis resubscribes after every reconnect.
  const handlers = new Map<string, Set<(message: string) => void>>();
  let subscriber: Redis | null = null;
  let subscribed = false;
  function subscriberConnection(): Redis {
    if (subscriber) return subscriber;
    const sub = client.duplicate({ connectionName: 'sidebar-service-sub', enableOfflineQueue: true, commandTimeout: undefined });
    sub.on('ready', () => {
      if (!subscribed) log.info({ cache: 'redis' }, 'redis subscription ready: new versions reach this instance at once');
      subscribed = true;
    });
    sub.on('error', () => {}); // the client's own handler logs Redis errors
    sub.on('close', () => {
      if (subscribed && !closing) log.warn({ cache: 'redis' }, 'redis subscription lost; new versions reach this instance by polling until it is back');
      subscribed = false;
    });
    sub.on('message', (channel: string, message: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    });
    subscriber = sub;
    return sub;
  }

  return {
    backend: 'redis',
    description: `Redis ${redactUrl(options.url)}`,
    get: (key) => client.get(key),
    async set(key, value, ttlSeconds) {
      await client.set(key, value, 'EX', ttlSeconds);
    },
    async del(...keys) {
      if (keys.length) await client.del(...keys);
    },
    isConnected: () => connected,
    async publish(channel, message) {
      await client.publish(channel, message);
    },
    subscribe(channel, onMessage) {
      const sub = subscriberConnection();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        sub.subscribe(channel).catch((err: Error) => log.warn({ cache: 'redis', err: err.message, channel }, 'redis subscribe failed'));
      }
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
        if (set.size > 0 || handlers.get(channel) !== set) return;
        handlers.delete(channel);
        // Not awaited: closing must not wait on a Redis that does not answer (nothing waits on
        // a subscription's commands, which is why they may have no deadline).
        sub.unsubscribe(channel).catch(() => {});
      };
    },
    isSubscribed: () => subscribed,
    async close() {
      closing = true;
      subscriber?.disconnect();
      // quit() waits for a reply that never comes from a dead server; disconnect() does not.
      if (connected) await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
