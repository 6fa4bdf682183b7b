import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type AdminSecrets, adminAuthMode, createAdminVerifier } from './verify.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for admin-only routes: throws 401/403 (answered by the app's error handler). */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Admin authentication: ADMIN_API_KEY (constant-time) or a Supabase JWT with an admin role. */
export const authPlugin = fp<AdminSecrets>(
  async (app, secrets) => {
    const verify = createAdminVerifier(secrets);
    const mode = adminAuthMode(secrets);
    if (mode === 'disabled') app.log.warn('admin endpoints are disabled: neither ADMIN_API_KEY nor SUPABASE_JWT_SECRET is set');
    else app.log.info({ auth: mode }, 'admin authentication enabled');

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const decision = await verify(request.headers.authorization);
      if (!decision.ok) throw new HttpError(decision.status, decision.message);
      request.log.debug({ principal: decision.principal }, 'admin request');
    });
  },
  { name: 'auth' },
);
