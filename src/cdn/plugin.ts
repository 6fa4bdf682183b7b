import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { createPurger } from './purge.js';

export interface CdnPluginOptions {
  config: Pick<Config, 'cdnSurrogateKey' | 'cdnPurgeUrl' | 'cdnPurgeToken' | 'cdnPurgeTokenHeader' | 'cdnPurgeTimeoutMs'>;
}

/**
 * What the service tells the CDN in front of it: with CDN_PURGE_URL set, a purge of the
 * sidebar's tag after each new version this instance makes (the instance that refreshed, so a
 * fleet purges once per version, not once per instance). Off by default.
 */
export const cdnPlugin = fp<CdnPluginOptions>(
  async (app, { config }) => {
    if (!config.cdnPurgeUrl) return;
    const purger = createPurger({
      url: config.cdnPurgeUrl,
      token: config.cdnPurgeToken,
      tokenHeader: config.cdnPurgeTokenHeader,
      surrogateKey: config.cdnSurrogateKey,
      timeoutMs: config.cdnPurgeTimeoutMs,
      log: app.log,
      onOutcome: (outcome) => app.metrics.observePurge(outcome),
    });
    const stop = app.sidebarService.onRefresh((result) => {
      if (result.status === 'success') purger.purge(result.id);
    });
    app.addHook('onClose', async () => {
      stop();
      await purger.close();
    });
    app.log.info({ cdn_purge: config.cdnSurrogateKey }, 'CDN purge on each new version is on');
  },
  { name: 'cdn', fastify: '5.x', dependencies: ['sidebar', 'observability'] },
);
