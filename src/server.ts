import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config/index.js';
import { loggerOptions } from './logger.js';

/**
 * Runs the service as a process: builds the app, listens, and on SIGTERM/SIGINT stops taking
 * connections, lets in-flight requests and a running refresh finish (within the grace period),
 * then closes the database and cache.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const app = await buildApp({ config, logger: loggerOptions(config.logLevel) });

  closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error; shutting down');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  await app.listen({ port: config.port, host: config.host });
  app.log.info(`sidebar: http://localhost:${config.port}/api/v1/shared/sidebar   docs: http://localhost:${config.port}/docs`);
  return app;
}
