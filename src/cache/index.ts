import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import { createInProcessCache } from './in-process.js';
import { createRedisCache } from './redis.js';
import type { Cache } from './types.js';

export type { Cache } from './types.js';

/** REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES set: Redis; none: in-process memory. */
export function createCache(config: Pick<Config, 'redisUrl' | 'redisSentinel' | 'redisCluster' | 'redisTimeoutMs'>, log: FastifyBaseLogger): Promise<Cache> {
  const { redisUrl: url, redisSentinel: sentinel, redisCluster: cluster } = config;
  if (url || sentinel || cluster) return createRedisCache({ url, sentinel, cluster, timeoutMs: config.redisTimeoutMs, log });
  return Promise.resolve(createInProcessCache());
}
