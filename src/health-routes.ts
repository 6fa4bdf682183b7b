import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { migrationStatus } from './db/migrate.js';

const readySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({ kind: Type.String(), reachable: Type.Boolean(), error: Type.Optional(Type.String()) }),
  migrations: Type.Object({ current: Type.Integer(), latest: Type.Integer(), applied: Type.Boolean() }),
  cache: Type.Object({ backend: Type.String(), connected: Type.Boolean() }),
});

/** Liveness (the process answers) and readiness (the database is reachable and migrated). */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/health',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Readiness: database reachable and migrations applied. A cache outage degrades but does not make the service unready.',
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_request, reply) => {
      const { db, cache } = app;
      const database = { kind: db.kind, reachable: true } as { kind: string; reachable: boolean; error?: string };
      let migrations = { current: 0, latest: 0, applied: false };
      try {
        const status = await migrationStatus(db);
        migrations = { ...status, applied: status.current >= status.latest };
      } catch (err) {
        database.reachable = false;
        database.error = (err as Error).message;
      }
      const ready = database.reachable && migrations.applied;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        database,
        migrations,
        cache: { backend: cache.backend, connected: cache.isConnected() },
      });
    },
  );
};
