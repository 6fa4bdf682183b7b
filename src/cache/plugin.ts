import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { type Cache, createCache } from './index.js';

declare module 'fastify' {
  interface FastifyInstance {
    cache: Cache;
  }
}

export interface CachePluginOptions {
  config: Pick<Config, 'redisUrl' | 'redisSentinel' | 'redisCluster' | 'redisTimeoutMs'>;
  /** A cache the caller opened (and closes); otherwise one is opened from config and closed with the app. */
  cache?: Cache;
}

/** Decorates `cache`: Redis when REDIS_URL is set, an in-process cache otherwise. */
export const cachePlugin = fp<CachePluginOptions>(
  async (app, options) => {
    const cache = options.cache ?? (await createCache(options.config, app.log));
    app.decorate('cache', cache);
    if (!options.cache) app.addHook('onClose', () => cache.close());
  },
  { name: 'cache', fastify: '5.x' },
);
