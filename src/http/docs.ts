import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/** The OpenAPI document (/docs/json), generated from the route schemas, and its UI (/docs). */
export const docsPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        // 3.1: its schemas are JSON Schema (2020-12), which the route schemas are; 3.0's are a
        // dialect that refuses keywords they use (examples, const).
        openapi: '3.1.0',
        info: { title: 'Sidebar service', version: '1', description: 'Sportsbook navigation sidebar: sports, leagues, open and live game counts.' },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY, or a Supabase JWT with an admin role' } } },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs', fastify: '5.x' },
);
