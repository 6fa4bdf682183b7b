import fp from 'fastify-plugin';
import { Health, paths, Ready } from '../contract/index.js';
import { migrationStatus } from '../db/migrate.js';

/** Liveness (the process answers) and readiness (the database is reachable and migrated). */
export const healthPlugin = fp(
  async (app) => {
    const { db, cache, dbStartup } = app;

    app.get(paths.health, { logLevel: 'warn', schema: { tags: ['health'], summary: 'Liveness', response: { 200: Health } } }, async () => ({
      status: 'ok' as const,
    }));

    app.get(
      paths.ready,
      {
        logLevel: 'warn',
        schema: {
          tags: ['health'],
          summary: 'Readiness: database reachable and migrations applied. A cache outage degrades but does not make the service unready.',
          response: { 200: Ready, 503: Ready },
        },
      },
      async (_request, reply) => {
        const database: Ready['database'] = { kind: db.kind, reachable: true };
        let migrations: Ready['migrations'] = { current: 0, latest: 0, applied: false };
        try {
          const status = await migrationStatus(db);
          migrations = { ...status, applied: status.current >= status.latest };
        } catch (err) {
          database.reachable = false;
          database.error = (err as Error).message;
        }
        const startup = dbStartup.status();
        const ready = database.reachable && migrations.applied && startup.ready;
        const body: Ready = {
          status: ready ? 'ready' : 'not_ready',
          database,
          migrations,
          startup,
          cache: { backend: cache.backend, connected: cache.isConnected() },
        };
        return reply.code(ready ? 200 : 503).send(body);
      },
    );
  },
  { name: 'health', fastify: '5.x', dependencies: ['db', 'cache'] },
);
