import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { apiError, type HttpClient, type SidebarOf, type SidebarParams, sidebarQuery } from './client.js';
import type { DeltaVersions, RegionSidebarDelta, SidebarDelta } from './contract.js';
import { paths } from './contract.js';
import { applyRegionSidebarDelta, applySidebarDelta } from './delta.js';

/**
 * How a subscription gets its sidebar now: `connecting` (to the stream), `live` (the stream:
 * changes arrive as they happen), `polling` (the stream is unavailable: GET with ETags every
 * pollMs, the stream retried with backoff), `offline` (polling fails too: the last sidebar is
 * kept, and is stale), `closed` (close() was called, or the service refused the parameters).
 */
export type SubscriptionStatus = 'connecting' | 'live' | 'polling' | 'offline' | 'closed';

export interface SidebarUpdate {
  /** The version (the stream's event id); null when it came from polling. */
  version: number | null;
  via: 'stream' | 'poll';
}

export interface SubscribeOptions {
  /** Milliseconds between GETs while the stream is unavailable. Default 5,000. */
  pollMs?: number;
  /** The longest wait before trying the stream again (it doubles from the server's retry). Default 30,000. */
  maxRetryMs?: number;
  /** Every failure (the subscription goes on, unless the status becomes closed). */
  onError?: (error: unknown) => void;
  onStatus?: (status: SubscriptionStatus) => void;
  /** Aborting it closes the subscription, as close() does. */
  signal?: AbortSignal;
}

export interface Subscription {
  close(): void;
  readonly status: SubscriptionStatus;
}

/** Thrown inside a stream whose delta does not fit what is held: reconnect without Last-Event-ID. */
class Resynchronise extends Error {}

/** A status the service answers a stream with that no retry will change (the parameters are refused). */
const refused = (status: number) => status >= 400 && status < 500 && status !== 404 && status !== 408 && status !== 429;

/**
 * Follows a sidebar: the whole of it from the stream on connect, then each delta applied to it
 * (onChange gets the new sidebar every time). When the stream ends it reconnects after the
 * server's `retry` with Last-Event-ID, and the server sends only what was missed. When the
 * stream is unavailable (503 when an instance is full, 404 or a non-SSE answer behind a proxy
 * that does not pass streams, a network error), it polls GET /sidebar with If-None-Match and
 * tries the stream again with backoff. A delta that does not fit (a version missed) makes it
 * reconnect for the whole sidebar.
 */
export function subscribeSidebar<P extends SidebarParams>(
  client: HttpClient,
  fetchImpl: typeof fetch,
  params: P,
  onChange: (sidebar: SidebarOf<P>, update: SidebarUpdate) => void,
  options: SubscribeOptions = {},
): Subscription {
  const pollMs = options.pollMs ?? 5000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const controller = new AbortController();
  const onAbort = () => close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // The group decides the shapes of both the sidebar and its deltas.
  const apply = (params.group === 'region' ? applyRegionSidebarDelta : applySidebarDelta) as unknown as (held: SidebarOf<P>, delta: unknown) => SidebarOf<P>;

  let status: SubscriptionStatus = 'connecting';
  let held: SidebarOf<P> | null = null;
  let version: number | null = null;
  let retryMs = 2000;

  const setStatus = (next: SubscriptionStatus) => {
    if (status === next || status === 'closed') return;
    status = next;
    options.onStatus?.(next);
  };
  const report = (error: unknown) => {
    if (!controller.signal.aborted) options.onError?.(error);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        resolve();
      }
      controller.signal.addEventListener('abort', done, { once: true });
    });

  function onEvent(event: EventSourceMessage) {
    if (event.event === 'sidebar') {
      held = JSON.parse(event.data) as SidebarOf<P>;
    } else if (event.event === 'delta') {
      const delta = JSON.parse(event.data) as DeltaVersions & (SidebarDelta | RegionSidebarDelta);
      if (held === null || delta.from !== version) throw new Resynchronise(`delta from version ${delta.from}, held ${version}`);
      try {
        held = apply(held, delta);
      } catch (err) {
        throw new Resynchronise((err as Error).message);
      }
    } else {
      return;
    }
    version = event.id === undefined ? null : Number(event.id);
    onChange(held, { version, via: 'stream' });
  }

  /** Reads one connection's events until it ends. */
  async function follow(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent,
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  /** One GET with the ETag held: a new sidebar is passed on; the stream then resumes from scratch. */
  async function poll(): Promise<void> {
    try {
      const body = await client.getSidebar({ ...params, signal: controller.signal });
      setStatus('polling');
      if (body !== held) {
        held = body;
        // What the stream's Last-Event-ID would resume from is no longer what is held.
        version = null;
        onChange(body, { version: null, via: 'poll' });
      }
    } catch (err) {
      report(err);
      if (!controller.signal.aborted) setStatus('offline');
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!controller.signal.aborted) {
      try {
        const response = await fetchImpl(client.url(paths.stream + sidebarQuery(params)), {
          headers: { accept: 'text/event-stream', ...(version !== null ? { 'last-event-id': String(version) } : {}) },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (response.ok && response.body && response.headers.get('content-type')?.startsWith('text/event-stream')) {
          failures = 0;
          setStatus('live');
          await follow(response.body);
          // The server closed the stream (a deploy, a slow reader dropped): resume after its retry.
          setStatus('connecting');
          await sleep(retryMs);
          continue;
        }
        const error = response.ok ? new Error('the stream answered without text/event-stream') : await apiError(response);
        if (!response.ok && refused(response.status)) {
          report(error);
          close();
          return;
        }
        throw error;
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof Resynchronise) {
          version = null;
          continue;
        }
        report(err);
      }
      // The stream is unavailable: poll meanwhile, and try it again later.
      failures++;
      const until = Date.now() + Math.min(maxRetryMs, retryMs * 2 ** (failures - 1));
      do {
        await poll();
        await sleep(Math.max(0, Math.min(pollMs, until - Date.now())));
      } while (!controller.signal.aborted && Date.now() < until);
      if (!controller.signal.aborted) setStatus('connecting');
    }
  }

  function close(): void {
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
    setStatus('closed');
  }

  void run();
  return {
    close,
    get status() {
      return status;
    },
  };
}
