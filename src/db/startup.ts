import type { FastifyBaseLogger } from 'fastify';
import type { StartupStatus } from '../contract/index.js';
import { isUnreachable } from './errors.js';

/**
 * Whether the database may be read yet. A serving process starts without waiting for its
 * database (a cold start during an outage must still listen, answer /health, and answer the
 * sidebar from Redis or with a 503), and prepares the schema in the background.
 */
export interface SchemaState {
  isReady(): boolean;
  /** Resolves once ready; rejects if preparation stopped (closing) or failed for good. */
  readonly whenReady: Promise<void>;
  status(): StartupStatus;
  /**
   * Runs fn once the schema is ready, unless stop() came first (the app closed while the
   * database was still starting): how jobs and polling wait for the database. A start-up that
   * failed for good runs nothing (the server reports it).
   */
  onReady(fn: () => void): void;
  /** Stops retrying (closing); waits for an attempt under way. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown for database reads asked for before the schema is ready: a 503 with Retry-After, like an outage. */
export class DatabaseStartingError extends Error {
  readonly code = 'EDBSTARTING';
  constructor(cause: string | null) {
    super(`The database is not ready yet (connecting and migrating)${cause ? `: ${cause}` : ''}`);
  }
}

/** whenReady's rejection when the app closes before the schema was ready: not a failure. */
export class StartupStoppedError extends Error {
  constructor() {
    super('database start-up stopped before the schema was ready');
  }
}

/** For a database that was prepared before the app was built (the CLI, tests, the embedded database). */
export function schemaReady(): SchemaState {
  let stopped = false;
  const whenReady = Promise.resolve();
  return {
    isReady: () => true,
    whenReady,
    status: () => ({ ready: true, attempts: 0, last_error: null, next_attempt_at: null }),
    onReady(fn) {
      whenReady.then(() => {
        if (!stopped) fn();
      });
    },
    stop: async () => {
      stopped = true;
    },
  };
}

export interface PrepareOptions {
  /** Migrates (and seeds); run until it succeeds. */
  prepare: () => Promise<void>;
  log: FastifyBaseLogger;
  /** Delay after the first failure, doubling per failure up to maxMs, with ±20% jitter. */
  baseMs?: number;
  maxMs?: number;
}

/**
 * Runs prepare() now and, while it fails because the database cannot be reached, again with
 * backoff (500 ms doubling to 5 s by default, so a database that comes back is used within
 * about 5 s). Any other failure (a broken migration, a wrong password) is not retried:
 * whenReady rejects with it, and the server exits with it, as an operator would want.
 * One log line per state change, not one per attempt.
 */
export function prepareSchemaInBackground(options: PrepareOptions): SchemaState {
  const { log, baseMs = 500, maxMs = 5000 } = options;
  let ready = false;
  let stopped = false;
  let attempts = 0;
  let lastError: string | null = null;
  let nextAttemptAt: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      nextAttemptAt = Date.now() + ms;
      wake = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      timer = null;
      wake = null;
      nextAttemptAt = null;
    });

  async function loop(): Promise<void> {
    for (;;) {
      if (stopped) throw new StartupStoppedError();
      attempts++;
      try {
        await options.prepare();
        ready = true;
        lastError = null;
        if (attempts > 1) log.info({ attempts }, 'database reachable and migrated; serving from it');
        return;
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        // isUnreachable() said it has a code: the message, or that code when the message is empty.
        const message = (err as Error).message || (err as { code: string }).code;
        if (attempts === 1) log.error({ err: message }, 'database unreachable at start-up; serving what can be served and retrying in the background');
        lastError = message;
      }
      // Stopped while that attempt ran: closing must not wait out a backoff.
      if (stopped) throw new StartupStoppedError();
      const delay = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 20));
      await sleep(delay * (0.8 + Math.random() * 0.4));
    }
  }

  const whenReady = loop();
  // Handled here too, so a start-up stopped by closing is never an unhandled rejection.
  const running = whenReady.catch(() => {});
  return {
    isReady: () => ready,
    whenReady,
    status: () => ({
      ready,
      attempts,
      last_error: ready ? null : lastError,
      next_attempt_at: nextAttemptAt ? new Date(nextAttemptAt).toISOString() : null,
    }),
    onReady(fn) {
      whenReady.then(
        () => {
          if (!stopped) fn();
        },
        () => {},
      );
    },
    async stop() {
      stopped = true;
      // Stryker disable next-line ConditionalExpression: clearing a null timer does nothing; the check only says there may be none.
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
    },
  };
}
