import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, constantTimeEqual } from '../auth/verify.js';

/** GET /metrics in Prometheus text format; behind METRICS_TOKEN when it is set. */
export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { metrics, config } = app;
  app.get(
    '/metrics',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Prometheus metrics (Bearer METRICS_TOKEN when configured)' } },
    async (request, reply) => {
      if (config.metricsToken) {
        const token = bearerToken(request.headers.authorization);
        if (!token || !constantTimeEqual(token, config.metricsToken)) {
          return reply
            .code(401)
            .send({ statusCode: 401, error: 'Unauthorized', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>', requestId: request.id });
        }
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
};
