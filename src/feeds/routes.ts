import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../sidebar/schemas.js';
import { feedFormats } from './extract.js';
import { changedAnything, importFeeds } from './importer.js';
import { liveWindowsWithDefault } from './odds-api.js';

const formatCounts = Type.Object({ read: Type.Integer(), accepted: Type.Integer(), rejected: Type.Integer() });

const importResponse = Type.Object({
  read: Type.Integer({ description: 'Event records found in the payload.' }),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  duplicates: Type.Integer({ description: 'Records repeating an id seen earlier in the payload (merged).' }),
  sports_listed: Type.Integer({ description: 'The Odds API /v4/sports entries used for sport groups and league titles.' }),
  formats: Type.Record(Type.String(), formatCounts),
  rejections: Type.Array(Type.Object({ file: Type.String(), position: Type.String(), reason: Type.String(), format: Type.Optional(Type.String()) }), {
    description: 'The first 100 rejected records: where they are in the payload and why.',
  }),
  rejections_total: Type.Integer(),
  seconds: Type.Number(),
  refresh: Type.Union([Type.Object({ scheduled_at: Type.String({ format: 'date-time' }) }), Type.Null()], {
    description: 'When the sidebar refresh that will show these changes is due; null when nothing changed.',
  }),
});

const importQuery = Type.Object({
  format: Type.Optional(
    Type.Union(
      feedFormats.map((f) => Type.Literal(f)),
      { description: 'Skip detection: read every record as this format.' },
    ),
  ),
});

/**
 * POST /api/v1/shared/events: a feed worker pushes a dump (The Odds API or Optic Odds, any
 * of the shapes the CLI reads), JSON or NDJSON, optionally gzip- or br-compressed.
 */
export const feedRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, refreshCoalescer } = app;

  // The importer reads the text itself (JSON or NDJSON, wherever the events sit), so these
  // bodies arrive unparsed; the parsers are scoped to this plugin.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  app.post<{ Body: string; Querystring: { format?: (typeof feedFormats)[number] } }>(
    '/api/v1/shared/events',
    {
      preHandler: app.requireAdmin,
      bodyLimit: config.importMaxBodyBytes,
      schema: {
        tags: ['admin'],
        summary: 'Import events from a feed dump (The Odds API v4 or Optic Odds), upserting by id',
        description:
          'Body: JSON or NDJSON (Content-Type application/json or application/x-ndjson), optionally Content-Encoding gzip or br. Bad records are reported and skipped; the good ones are written. The sidebar refresh that follows is coalesced across imports.',
        security: [{ bearerAuth: [] }],
        querystring: importQuery,
        response: { 200: importResponse, ...errorResponses, 413: Type.Ref('Error') },
      },
    },
    async (request, reply) => {
      const summary = await importFeeds(db, [{ name: 'body', text: request.body ?? '' }], {
        format: request.query.format,
        liveWindows: liveWindowsWithDefault(config.feedLiveWindowHours),
      });
      const fileError = summary.file_errors[0];
      if (fileError)
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `request body: ${fileError.reason}`, requestId: request.id });
      const refresh = changedAnything(summary) ? { scheduled_at: refreshCoalescer.request() } : null;
      request.log.info({ import: { read: summary.read, inserted: summary.inserted, updated: summary.updated, rejected: summary.rejected } }, 'feed import');
      return { ...summary, refresh };
    },
  );
};
