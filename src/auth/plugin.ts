import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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

/** Admin authentication: ADMIN_API_KEY (constant-time) or a Supabase JWT with an admin role. */
export const authPlugin = fp<AdminSecrets>(
  async (app, secrets) => {
    const verify = createAdminVerifier(secrets);
    const mode = adminAuthMode(secrets);
    // Said when serving (not by every CLI command, which builds the same app but takes no requests).
    app.addHook('onListen', async () => {
      if (mode === 'disabled') app.log.warn('admin endpoints are disabled: neither ADMIN_API_KEY nor SUPABASE_JWT_SECRET is set');
      else app.log.info({ auth: mode }, 'admin authentication enabled');
    });

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const { authorization } = request.headers;
      const decision = await verify(authorization);
      if (!decision.ok) {
        const challenge = decision.status === 401 ? bearerChallenge('sidebar-admin', Boolean(authorization)) : {};
        throw new HttpError(decision.status, decision.message, challenge);
      }
      request.log.debug({ principal: decision.principal }, 'admin request');
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['errors'] },
);
