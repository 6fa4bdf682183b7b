import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { apiError, type HttpClient, type SidebarOf, type SidebarParams, sidebarQuery } from './client.js';
import type { DeltaVersions, RegionSidebarDelta, SidebarDelta } from './contract.js';
import { paths } from './contract.js';
import { applyRegionSidebarDelta, applySidebarDelta } from './delta.js';

/**
 * How a subscription gets its sidebar now: `connecting` (to the stream), `live` (the stream:
 * changes arrive as they happen), `polling` (the stream is unavailable: GET with ETags every
 * pollMs, the stream retried with backoff), `paused` (the page is hidden: no stream, no polls,
 * until it is shown), `offline` (polling fails too, or the browser is offline: the last sidebar
 * is kept, and is stale), `closed` (close() was called, or the service refused the parameters).
 */
export type SubscriptionStatus = 'connecting' | 'live' | 'polling' | 'paused' | 'offline' | 'closed';

/**
 * What a subscription watches of its page: whether it is hidden (the stream closes, nothing is
 * polled) and whether the browser is online (when it comes back, the stream reopens at once
 * rather than after its backoff). Browsers by default (document.visibilityState, navigator.onLine
 * and their events); elsewhere always shown and online.
 */
export interface PageLifecycle {
  hidden(): boolean;
  online(): boolean;
  /** Calls onChange whenever either may have changed; returns the way to stop. */
  watch(onChange: () => void): () => void;
}

/** The page's lifecycle as the browser reports it, or a constant one outside browsers. */
export function browserLifecycle(): PageLifecycle {
  const doc = (globalThis as { document?: Document }).document;
  const win = (globalThis as { window?: Window }).window;
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  return {
    hidden: () => doc?.visibilityState === 'hidden',
    online: () => nav?.onLine !== false,
    watch(onChange) {
      doc?.addEventListener('visibilitychange', onChange);
      win?.addEventListener('online', onChange);
      win?.addEventListener('offline', onChange);
      return () => {
        doc?.removeEventListener('visibilitychange', onChange);
        win?.removeEventListener('online', onChange);
        win?.removeEventListener('offline', onChange);
      };
    },
  };
}

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
  /**
   * A sidebar already held (server-rendered, or from a GET) with its version: the stream opens
   * with that version as Last-Event-ID and sends only what is newer (nothing, or one delta), not
   * the whole sidebar again. onChange is called only for what is newer.
   */
  initial?: { version: number | null } | null;
  /** Whether to close the stream while the page is hidden and reopen it when shown (default true). */
  pauseWhenHidden?: boolean;
  /** The page's visibility and connectivity (default: the browser's; tests pass their own). */
  lifecycle?: PageLifecycle;
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
 * Follows a sidebar: the whole of it from the stream on connect (or only what is newer than
 * `initial`), then each delta applied to it (onChange gets the new sidebar every time). When the
 * stream ends it reconnects after the server's `retry` with Last-Event-ID, and the server sends
 * only what was missed. When the stream is unavailable (503 when an instance is full, 404 or a
 * non-SSE answer behind a proxy that does not pass streams, a network error), it polls GET
 * /sidebar with If-None-Match and tries the stream again with backoff. A delta that does not fit
 * (a version missed) makes it reconnect for the whole sidebar. While the page is hidden the
 * stream is closed and nothing is polled; shown again, it resumes with Last-Event-ID. Offline,
 * it waits for the browser to be online, then reconnects at once.
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

  const lifecycle = options.lifecycle ?? browserLifecycle();
  const pauseWhenHidden = options.pauseWhenHidden ?? true;
  const hidden = () => pauseWhenHidden && lifecycle.hidden();

  let status: SubscriptionStatus = 'connecting';
  let held: SidebarOf<P> | null = (options.initial as SidebarOf<P> | null | undefined) ?? null;
  let version: number | null = options.initial?.version ?? null;
  let retryMs = 2000;
  // The connection open now: aborted when the page hides or goes offline (the subscription goes on).
  let attempt: AbortController | null = null;
  // Wakes whatever the subscription waits on (a retry, a poll's pause, a hidden page) early.
  let wake: (() => void) | null = null;
  const stopWatching = lifecycle.watch(() => {
    if (hidden() || !lifecycle.online()) attempt?.abort();
    wake?.();
  });

  const setStatus = (next: SubscriptionStatus) => {
    if (status === next || status === 'closed') return;
    status = next;
    options.onStatus?.(next);
  };
  const report = (error: unknown) => {
    if (!controller.signal.aborted) options.onError?.(error);
  };
  /** Waits ms (for ever when null), or until the page's lifecycle changes or the subscription closes. */
  const sleep = (ms: number | null) =>
    new Promise<void>((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      wake = done;
      function done() {
        clearTimeout(timer);
        wake = null;
        controller.signal.removeEventListener('abort', done);
        resolve();
      }
      controller.signal.addEventListener('abort', done, { once: true });
    });
  /** Whether the page lets the subscription fetch now; if not, says why (paused, offline). */
  const mayFetch = () => {
    if (hidden()) setStatus('paused');
    else if (!lifecycle.online()) setStatus('offline');
    else return true;
    return false;
  };

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
      if (!mayFetch()) {
        // Hidden or offline: no connection, no poll, until that changes.
        await sleep(null);
        if (!controller.signal.aborted && lifecycle.online() && !hidden()) setStatus('connecting');
        continue;
      }
      const current = new AbortController();
      attempt = current;
      const stop = () => current.abort();
      controller.signal.addEventListener('abort', stop, { once: true });
      try {
        const response = await fetchImpl(client.url(paths.stream + sidebarQuery(params)), {
          headers: { accept: 'text/event-stream', ...(version !== null ? { 'last-event-id': String(version) } : {}) },
          signal: current.signal,
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
        // Closed for the page (hidden, offline): the top of the loop waits for it.
        if (current.signal.aborted) continue;
        if (err instanceof Resynchronise) {
          version = null;
          continue;
        }
        report(err);
      } finally {
        controller.signal.removeEventListener('abort', stop);
        attempt = null;
      }
      // The stream is unavailable: poll meanwhile, and try it again later.
      failures++;
      const until = Date.now() + Math.min(maxRetryMs, retryMs * 2 ** (failures - 1));
      do {
        if (!mayFetch()) break;
        await poll();
        await sleep(Math.max(0, Math.min(pollMs, until - Date.now())));
      } while (!controller.signal.aborted && Date.now() < until);
      if (!controller.signal.aborted && mayFetch()) setStatus('connecting');
    }
  }

  function close(): void {
    options.signal?.removeEventListener('abort', onAbort);
    stopWatching();
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
