import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorRef, type ImportQuery, ImportResult, ImportQuery as importQuerySchema, paths } from '../contract/index.js';
import { errorBody, HttpError } from '../http/errors.js';
import { changedAnything, importFeeds, importOutcome, nothingImportedReason } from './importer.js';
import { liveWindowsWithDefault } from './odds-api.js';

/**
 * POST /api/v1/shared/events: a feed worker pushes a dump (The Odds API or Optic Odds, any
 * of the shapes the CLI reads), JSON or NDJSON, optionally gzip- or br-compressed.
 */
const feedRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, refreshCoalescer } = app;

  // The importer reads the text itself (JSON or NDJSON, wherever the events sit), so these
  // bodies arrive unparsed; the parsers are scoped to this plugin.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  // At most importMaxConcurrent imports read, decompress and write at once: each may hold up to
  // importMaxBodyBytes of text, so memory stays bounded whatever clients do. A slot is taken
  // after authentication (anonymous requests cannot use them up) and given back when the
  // answer is sent or the client goes away.
  let importing = 0;
  const holding = new WeakSet<object>();
  const takeSlot = async (request: FastifyRequest) => {
    if (importing >= config.importMaxConcurrent) {
      throw new HttpError(429, `Too many imports in progress (at most ${config.importMaxConcurrent}); retry shortly`, { 'retry-after': '5' });
    }
    importing++;
    holding.add(request);
  };
  const giveSlot = async (request: FastifyRequest) => {
    if (holding.delete(request)) importing--;
  };

  app.post<{ Body: string; Querystring: ImportQuery }>(
    paths.events,
    {
      // onRequest: credentials are checked before the body is read (and decompressed).
      onRequest: [app.requireAdmin, takeSlot],
      onResponse: giveSlot,
      onRequestAbort: giveSlot,
      bodyLimit: config.importMaxBodyBytes,
      schema: {
        tags: ['admin'],
        summary: 'Import events from a feed dump (The Odds API v4 or Optic Odds), upserting by id',
        description:
          'Body: JSON or NDJSON (Content-Type application/json or application/x-ndjson), optionally Content-Encoding gzip or br. Bad records are reported and skipped; the good ones are written. The sidebar refresh that follows is coalesced across imports.',
        security: [{ bearerAuth: [] }],
        querystring: importQuerySchema,
        response: { 200: ImportResult, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 413: ErrorRef, 422: ErrorRef, 429: ErrorRef, 500: ErrorRef, 503: ErrorRef },
      },
    },
    async (request, reply) => {
      const summary = await importFeeds(db, [{ name: 'body', text: request.body ?? '' }], {
        format: request.query.format,
        liveWindows: liveWindowsWithDefault(config.feedLiveWindowHours),
      });
      const fileError = summary.file_errors[0];
      if (fileError) return reply.code(400).send(errorBody(400, `request body: ${fileError.reason}`, request.id));
      // Valid JSON from which nothing could be taken (nothing recognised: most likely a feed whose
      // format changed; or every record refused): say so rather than answer 200.
      if (importOutcome(summary) !== 'imported') {
        request.log.warn(
          { import: { read: summary.read, rejected: summary.rejected, rejections: summary.rejections.slice(0, 5) } },
          'feed import took nothing in',
        );
        return reply.code(422).send(errorBody(422, `request body: ${nothingImportedReason(summary)}`, request.id));
      }
      const refresh = changedAnything(summary) ? { scheduled_at: refreshCoalescer.request() } : null;
      request.log.info({ import: { read: summary.read, inserted: summary.inserted, updated: summary.updated, rejected: summary.rejected } }, 'feed import');
      return { ...summary, refresh };
    },
  );
};

/** Feed import over HTTP. Its body parsers stay inside (registered encapsulated): other routes keep JSON parsing. */
export const feedsPlugin = fp(
  async (app) => {
    await app.register(feedRoutes);
  },
  { name: 'feeds', fastify: '5.x', dependencies: ['db', 'auth', 'scheduler'] },
);
