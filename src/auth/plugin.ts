import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type AdminSecrets, adminAuthMode, createAdminVerifier } from './verify.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for admin-only routes. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Whether this request carries admin credentials (for routes where only some options are admin-only). */
    checkAdmin: (request: FastifyRequest) => ReturnType<ReturnType<typeof createAdminVerifier>>;
  }
}

export class HttpError extends Error {
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

    app.decorate('checkAdmin', (request: FastifyRequest) => verify(request.headers.authorization));
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const decision = await verify(request.headers.authorization);
      if (!decision.ok) throw new HttpError(decision.status, decision.message);
      request.log.debug({ principal: decision.principal }, 'admin request');
    });
  },
  { name: 'auth' },
);
