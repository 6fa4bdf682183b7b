import { once } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { HostPort } from '../config/index.js';
import { redactUrl } from '../db/postgres.js';
import type { Cache } from './types.js';

/** One of: a single server (url), a master that Sentinels watch and fail over, or a Redis Cluster. */
export interface RedisCacheOptions {
  /** A single server: redis:// or rediss://, with its credentials and database. */
  url?: string;
  /** A Sentinel-managed master: the Sentinels to ask, the master's name, its password. */
  sentinel?: { sentinels: HostPort[]; master: string; password?: string };
  /** A Redis Cluster: some of its nodes (the rest are discovered), their password. */
  cluster?: { nodes: HostPort[]; password?: string };
  /** Upper bound for connecting and for any one command. */
  timeoutMs: number;
  log: FastifyBaseLogger;
}

const list = (nodes: HostPort[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');

/** The client for the configured topology, and how to name it in logs. */
function connect(options: RedisCacheOptions): { client: Redis | Cluster; description: string } {
  const common: RedisOptions = {
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
    connectionName: 'sidebar-service',
    // A master demoted by a failover answers writes with READONLY until the client reconnects
    // to the new one: reconnect (Sentinel resolves the new master), and resend the command.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
  if (options.cluster) {
    const { nodes, password } = options.cluster;
    return {
      client: new Cluster(nodes, {
        redisOptions: { ...common, password },
        enableOfflineQueue: false,
        enableReadyCheck: true,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 5000),
        // A master failing over: MOVED/TRYAGAIN/CLUSTERDOWN are retried shortly, within the command's deadline.
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: options.timeoutMs,
      }),
      description: `Redis Cluster ${list(nodes)}`,
    };
  }
  if (options.sentinel) {
    const { sentinels, master, password } = options.sentinel;
    return {
      // The client asks the Sentinels for the master at each reconnect (about 2 s after a master
      // dies, here). Not failoverDetector: with it, a client was left closed after a failover in
      // one run of four (test/edge/redis.edge.ts).
      client: new Redis({ ...common, sentinels, name: master, password, sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 5000) }),
      description: `Redis Sentinel master ${master} via ${list(sentinels)}`,
    };
  }
  if (!options.url) throw new Error('createRedisCache: url, sentinel or cluster is required');
  return { client: new Redis(options.url, common), description: `Redis ${redactUrl(options.url)}` };
}

/** INCR, the expiry set by the first hit of a window, and the time left: KEYS[1], ARGV[1] = window in ms. */
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }`;

/**
 * Redis cache through ioredis (one server, Sentinel or Cluster), tuned so that a slow or dead
 * Redis costs a request at most timeoutMs: no offline queue (commands fail at once while
 * disconnected), one try per command, and reconnection in the background with capped backoff.
 * A failover (Sentinel promoting a replica, a cluster replica taking over a master's slots)
 * is that: a few failed cache calls, which the service answers from its copy or the database.
 */
export async function createRedisCache(options: RedisCacheOptions): Promise<Cache> {
  const { log } = options;
  const { client, description } = connect(options);

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
  let subscriber: Redis | Cluster | null = null;
  let subscribed = false;
  function subscriberConnection(): Redis | Cluster {
    if (subscriber) return subscriber;
    const sub =
      client instanceof Cluster
        ? client.duplicate(undefined, {
            enableOfflineQueue: true,
            redisOptions: { ...client.options.redisOptions, connectionName: 'sidebar-service-sub', commandTimeout: undefined },
          })
        : client.duplicate({ connectionName: 'sidebar-service-sub', enableOfflineQueue: true, commandTimeout: undefined });
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
    description,
    get: (key) => client.get(key),
    async set(key, value, ttlSeconds) {
      await client.set(key, value, 'EX', ttlSeconds);
    },
    async del(...keys) {
      if (keys.length) await client.del(...keys);
    },
    async hit(key, windowMs) {
      // One round trip, atomic: a counter that outlives its window would count forever.
      const [count, ttlMs] = (await client.eval(hitScript, 1, key, windowMs)) as [number, number];
      return { count, ttlMs: Math.max(0, ttlMs) };
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
    async listeners(channel) {
      if (client instanceof Cluster) return null;
      const reply = (await client.pubsub('NUMSUB', channel)) as [string, number | string];
      return Number(reply[1]);
    },
    async close() {
      closing = true;
      subscriber?.disconnect();
      // quit() waits for a reply that never comes from a dead server; disconnect() does not.
      if (connected) await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
