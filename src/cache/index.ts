import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import { createInProcessCache } from './in-process.js';
import { createRedisCache } from './redis.js';
import type { Cache } from './types.js';

export type { Cache } from './types.js';

/** REDIS_URL set: Redis; unset: in-process memory. */
export function createCache(config: Pick<Config, 'redisUrl' | 'redisTimeoutMs'>, log: FastifyBaseLogger): Promise<Cache> {
  if (config.redisUrl) return createRedisCache({ url: config.redisUrl, timeoutMs: config.redisTimeoutMs, log });
  return Promise.resolve(createInProcessCache());
}
