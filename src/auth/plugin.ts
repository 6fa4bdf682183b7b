import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WindowCounter } from '../cache/window-counter.js';
import { HttpError } from '../http/errors.js';
import { type AdminSecrets, adminAuthMode, createAdminVerifier } from './verify.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for admin-only routes: throws 401/403 (answered by the app's error handler). */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** RFC 6750's challenge for a 401: which scheme to use, and whether the token sent was bad. */
export function bearerChallenge(realm: string, tokenSent: boolean): Record<string, string> {
  return { 'www-authenticate': `Bearer realm="${realm}"${tokenSent ? ', error="invalid_token"' : ''}` };
}

/**
 * Failed authentications per client address in fixed one-minute windows, counted in `limits`
 * (for the whole fleet with Redis). Only failures are counted, and valid credentials always
 * pass: anonymous clients behind the same address (a load balancer without TRUST_PROXY) cannot
 * lock the admin out, and a prober is slowed to `limit` guesses a minute across every instance.
 */
export function createFailureLimiter(limit: number, limits: Pick<WindowCounter, 'hit'>, windowMs = 60_000) {
  return {
    /** Counts a failure from this address; the seconds until its window ends when it is over the limit, 0 otherwise. */
    async fail(address: string): Promise<number> {
      const { count, ttlMs } = await limits.hit(`auth-failures:${address}`, windowMs);
      return count >= limit ? Math.max(1, Math.ceil(ttlMs / 1000)) : 0;
    },
  };
}

export interface AuthPluginOptions extends AdminSecrets {
  /** Failed authentications allowed per address per minute before 429. */
  failuresPerMinute: number;
  /** Where failures are counted (the fleet's count with Redis). */
  limits: Pick<WindowCounter, 'hit'>;
}

/** Admin authentication: ADMIN_API_KEY (constant-time) or a Supabase JWT with an admin role (project keys, or the legacy secret). */
export const authPlugin = fp<AuthPluginOptions>(
  async (app, { failuresPerMinute, limits, ...secrets }) => {
    const verify = createAdminVerifier(secrets);
    const failures = createFailureLimiter(failuresPerMinute, limits);
    const mode = adminAuthMode(secrets);
    // Said when serving (not by every CLI command, which builds the same app but takes no requests).
    app.addHook('onListen', async () => {
      if (mode === 'disabled') app.log.warn('admin endpoints are disabled: none of ADMIN_API_KEY, SUPABASE_URL or SUPABASE_JWT_SECRET is set');
      else app.log.info({ auth: mode }, 'admin authentication enabled');
    });

    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      // Whatever an admin route answers (its data, or the refusal) is for this caller only.
      reply.header('cache-control', 'private, no-store');
      const { authorization } = request.headers;
      const decision = await verify(authorization);
      if (!decision.ok && decision.status === 503) {
        // The project's keys are out of reach: no verdict on the caller, so no failure counted.
        request.log.warn({ detail: decision.detail }, 'admin sign-in unavailable: the Supabase project signing keys cannot be fetched');
        throw new HttpError(503, decision.message, { 'retry-after': String(decision.retryAfterSeconds) });
      }
      if (!decision.ok) {
        const retryAfter = await failures.fail(request.ip);
        if (retryAfter > 0) {
          request.log.warn({ ip: request.ip }, 'too many failed admin authentications from this address');
          throw new HttpError(429, 'Too many failed authentications; try again later', { 'retry-after': String(retryAfter) });
        }
        const challenge = decision.status === 401 ? bearerChallenge('sidebar-admin', Boolean(authorization)) : {};
        throw new HttpError(decision.status, decision.message, challenge);
      }
      request.log.debug({ principal: decision.principal }, 'admin request');
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['errors'] },
);
