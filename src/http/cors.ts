import cors from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { paths } from '../contract/index.js';

export interface CorsPluginOptions {
  /** Origins whose pages may read the API (exact `scheme://host[:port]`); empty: none. */
  origins: readonly string[];
  /** Whether the admin routes answer those origins too (with credentials in Authorization). */
  admin: boolean;
}

/** Headers a page may read from an answer: the validators, the layer that answered, its timing, staleness. */
export const exposedHeaders = ['ETag', 'Last-Modified', 'X-Cache', 'Server-Timing', 'Age', 'Retry-After'];

const adminPaths = new Set<string>([paths.refresh, paths.stats, paths.events, paths.metrics]);

/** Whether a request is for an admin route (forced reads of the sidebar included). */
export function isAdminRequest(url: string): boolean {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return adminPaths.has(path) || (path === paths.sidebar && /[?&]force_refresh=/.test(url));
}

/**
 * CORS (@fastify/cors) for browser pages on other origins: only the configured origins, with
 * preflights answered (cached by browsers for 10 minutes) and the headers pages need exposed.
 * Admin routes answer no other origin unless CORS_ADMIN is set. Registered only when origins are
 * configured: with none, no answer carries CORS headers. Sidebar GETs that carry an Origin skip
 * the hot path (hot-path.ts), so they get their CORS headers here.
 */
export const corsPlugin = fp<CorsPluginOptions>(
  async (app, { origins, admin }) => {
    if (origins.length === 0) return;
    const allowed = new Set(origins);
    await app.register(cors, {
      delegator: (request: FastifyRequest, callback) => {
        const refused = !admin && isAdminRequest(request.url);
        callback(null, {
          origin: refused ? false : (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
          methods: ['GET', 'HEAD', 'POST'],
          allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'If-None-Match', 'If-Modified-Since', 'Last-Event-ID'],
          exposedHeaders,
          maxAge: 600,
          strictPreflight: true,
        });
      },
    });
  },
  { name: 'cors', fastify: '5.x' },
);
