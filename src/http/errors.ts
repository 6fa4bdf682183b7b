import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type ErrorBody, ErrorBody as errorBodySchema } from '../contract/index.js';
import { isUnreachable } from '../db/errors.js';
import { UnknownJurisdictionError } from '../sidebar/variants/jurisdictions.js';

/** The one error body. */
export function errorBody(statusCode: number, message: string, requestId: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}

/** An error a route or hook throws to answer with a given status; the message is shown to the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * PostgreSQL errors that mean "not set up yet" rather than "broken": the schema is missing or
 * behind, which an operator fixes by migrating. SQLSTATE → status and the message shown.
 */
const notMigrated = { status: 503, message: 'The database is not migrated yet (run `sidebar migrate`)' };
const unavailable = { status: 503, message: 'The database is unavailable; try again shortly', retryAfterSeconds: 5 };
const sqlStates: Record<string, { status: number; message: string; retryAfterSeconds?: number }> = {
  '42P01': notMigrated, // undefined_table
  '42883': notMigrated, // undefined_function
  '3D000': { status: 503, message: 'The configured database does not exist' }, // invalid_catalog_name
};

/**
 * The domain's errors that are the client's mistake, and their status: the domain raises them
 * without knowing HTTP, and this table alone says how they are answered.
 */
const domainErrors: Array<[new (...args: never[]) => Error, number]> = [
  // A jurisdiction the refresh did not know: the known ones are in the message, never the unfiltered tree.
  [UnknownJurisdictionError, 400],
];

/** A validation error's message, with the allowed values when ajv gives them ("…must be equal to one of the allowed values: all, live"). */
function validationMessage(error: FastifyError): string {
  const allowed = error.validation?.find((v) => Array.isArray(v.params?.allowedValues))?.params.allowedValues as unknown[] | undefined;
  return allowed ? `${error.message}: ${allowed.join(', ')}` : error.message;
}

/** The status and client-facing message of an error; `expected` errors are the service working as designed. */
function statusOf(error: FastifyError & { code?: string }): { status: number; message: string; expected: boolean; retryAfterSeconds?: number } {
  if (error.validation) return { status: 400, message: validationMessage(error), expected: true };
  if (error instanceof HttpError) return { status: error.statusCode, message: error.message, expected: true };
  const domain = domainErrors.find(([type]) => error instanceof type);
  if (domain) return { status: domain[1], message: error.message, expected: true };
  const known = typeof error.code === 'string' ? sqlStates[error.code] : undefined;
  if (known) return { ...known, expected: true };
  // The database cannot be reached now (down, failing over, starting): the request may succeed later.
  if (isUnreachable(error)) return { ...unavailable, expected: true };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, message: error.message, expected: true };
  return { status: 500, message: 'Internal Server Error', expected: false };
}

/**
 * For Fastify's own errors raised before routing (a URL it cannot decode, a parameter too
 * long): the same body as every other error. Passed to Fastify's constructor.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
  reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(errorBody(status, error.message, request.id));
}

/**
 * For requests Node's parser rejects before there is a request at all (headers too large, a
 * malformed request line, a header timeout): the same body, with a fresh id that the debug
 * log line carries too. Passed to Fastify's constructor.
 */
export function clientErrorHandler(log: () => FastifyBaseLogger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message = status === 431 ? 'Request headers too large' : status === 408 ? 'Request timeout' : 'Malformed HTTP request';
    const requestId = randomUUID();
    log().debug({ err, requestId }, 'client error before routing');
    if (socket.writable) {
      const body = JSON.stringify(errorBody(status, message, requestId));
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

/**
 * One JSON error shape for every failure: client errors keep their message, known database
 * states map to 503, anything else is a 500 whose body carries only the request id (which the
 * error's log line carries too). Unknown routes are 404, known routes with another method 405
 * with Allow. While the app closes, new requests get 503 with Connection: close.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.addSchema(errorBodySchema);

    const methodsByUrl = new Map<string, Set<string>>();
    app.addHook('onRoute', (route) => {
      const methods = methodsByUrl.get(route.url) ?? new Set<string>();
      for (const m of [route.method].flat()) methods.add(m);
      methodsByUrl.set(route.url, methods);
    });

    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (_request, reply) => {
      if (closing) {
        reply.header('connection', 'close');
        throw new HttpError(503, 'The service is shutting down', { 'retry-after': '1' });
      }
    });

    app.setErrorHandler((error: FastifyError & { code?: string; headers?: Record<string, string> }, request: FastifyRequest, reply: FastifyReply) => {
      const { status, message, expected, retryAfterSeconds } = statusOf(error);
      if (!expected) request.log.error({ err: error, request: { method: request.method, url: request.url } }, 'unhandled error');
      else if (status >= 500) request.log.warn({ err: error.message, status }, message);
      if (error.headers) reply.headers(error.headers);
      if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
      // Serialised here, not by the route's response schema for this status (a route may
      // declare another body for it, as POST /refresh does for 500): every error keeps its shape.
      return reply
        .code(status)
        .type('application/json; charset=utf-8')
        .serializer(JSON.stringify)
        .send(errorBody(status, message, request.id));
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? request.url;
      const allowed = methodsByUrl.get(path);
      if (allowed && !allowed.has(request.method)) {
        return reply
          .code(405)
          .header('allow', [...allowed].join(', '))
          .send(errorBody(405, `Method ${request.method} not allowed on ${path}`, request.id));
      }
      return reply.code(404).send(errorBody(404, `Route ${request.method} ${path} not found`, request.id));
    });
  },
  { name: 'errors', fastify: '5.x' },
);
