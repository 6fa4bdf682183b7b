import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer Fastify sends (helmet's defaults, tuned for a JSON API with
 * one HTML page, /docs): a Content-Security-Policy that lets Swagger UI run from its own
 * static files only, no framing, nosniff, HSTS. Cross-Origin-Resource-Policy is
 * `cross-origin`: the sidebar is a public resource that pages on other origins load. The
 * sidebar's own answers (hot path and route) carry their fixed header set instead
 * (snapshot.ts: nosniff), so both paths answer alike.
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          // Swagger UI sets element styles inline.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
