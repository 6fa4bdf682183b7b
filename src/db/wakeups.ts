import type { FastifyBaseLogger } from 'fastify';
import type { Db, Subscription } from './types.js';

/** The channels the definitions NOTIFY on (tg_sidebar_changes__*, refresh_sidebar_data). */
export const wakeupChannels = {
  /** A write left change records: a change-driven refresh is due. */
  changes: 'sidebar_changes',
  /** A refresh made a new version of sidebar_data. */
  version: 'sidebar_version',
  /** This module's own check that notifications arrive. */
  probe: 'sidebar_probe',
} as const;

export type WakeupChannel = Exclude<keyof typeof wakeupChannels, 'probe'>;

export interface WakeupsOptions {
  db: Pick<Db, 'listen' | 'query'>;
  log: FastifyBaseLogger;
  /** How long a probe's notification may take to arrive. */
  probeTimeoutMs?: number;
  /** How often a live subscription is probed again: the bound on a silent loss going unnoticed. */
  probeIntervalMs?: number;
  /** The first pause before listening again after a failure; it doubles up to retryMaxMs. */
  retryMs?: number;
  retryMaxMs?: number;
}

/**
 * Wake-ups: one session per process LISTENs for the database's notifications, so the change
 * loop and the version watcher act when something happens instead of at their next poll.
 *
 * Notifications may not arrive although LISTEN succeeded: through a transaction pooler
 * (PgBouncer in transaction mode, Supabase's port 6543) the session is not held between
 * transactions. So the subscription counts as live only once a probe (a NOTIFY sent through the
 * pool, as any writer would) has come back, and again every probeIntervalMs. While it is not
 * live, its users poll as they always did; on every change to live, they are told (onLive).
 * Failures are retried with a doubling pause, and logged on the transition only.
 */
export function createWakeups(options: WakeupsOptions) {
  const { db, log } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  const probeIntervalMs = options.probeIntervalMs ?? 30_000;
  const retryMs = options.retryMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;

  const handlers: Record<WakeupChannel, Set<() => void>> = { changes: new Set(), version: new Set() };
  const liveListeners = new Set<(live: boolean) => void>();
  let subscription: Subscription | null = null;
  let live = false;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  let pause = retryMs;
  let heard: (() => void) | null = null;
  let warned = false;
  // The step under way (listening, probing), which stop() waits for; a settled one once done.
  let running: Promise<void> = Promise.resolve();

  function setLive(next: boolean): void {
    if (next === live) return;
    live = next;
    for (const listener of liveListeners) listener(next);
  }

  function onNotify(channel: string): void {
    heard?.();
    for (const [name, value] of Object.entries(wakeupChannels)) {
      if (value === channel && name !== 'probe') for (const handler of handlers[name as WakeupChannel]) handler();
    }
  }

  /** Sends a notification through the pool and waits for it (or any other) to arrive. */
  async function probe(): Promise<boolean> {
    const arrived = new Promise<boolean>((resolve) => {
      const deadline = setTimeout(() => resolve(false), probeTimeoutMs);
      deadline.unref();
      // Left in place after: a later notification resolves a settled promise, which does nothing.
      heard = () => {
        clearTimeout(deadline);
        resolve(true);
      };
    });
    await db.query('select pg_notify($1, null)', [wakeupChannels.probe]);
    return await arrived;
  }

  async function close(): Promise<void> {
    const open = subscription;
    subscription = null;
    await open?.close();
  }

  /** Runs step after ms. Never called once stopped: its callers return first. */
  function after(ms: number, step: () => Promise<void>): void {
    timer = setTimeout(() => {
      timer = null;
      running = step();
    }, ms);
    timer.unref();
  }

  function failed(reason: string): void {
    // A session that reports its loss as stop() closes it, or a listen() that fails meanwhile.
    if (stopped) return;
    clearTimeout(timer ?? undefined);
    setLive(false);
    if (!warned) log.warn({ reason, retry_ms: pause }, 'database notifications do not arrive; the change loop polls');
    warned = true;
    after(pause, connect);
    pause = Math.min(pause * 2, retryMaxMs);
  }

  async function check(): Promise<void> {
    let ok = false;
    try {
      ok = await probe();
    } catch {}
    if (stopped) return;
    if (ok) {
      if (!live) log.info('database notifications arrive: the change loop and the version watcher wake at once');
      warned = false;
      pause = retryMs;
      setLive(true);
      after(probeIntervalMs, check);
      return;
    }
    await close();
    failed('a notification sent through the pool did not come back (a transaction pooler? set DATABASE_LISTEN_URL to a session connection)');
  }

  async function connect(): Promise<void> {
    try {
      subscription = await db.listen(Object.values(wakeupChannels), {
        onNotify,
        onLost: (err) => {
          subscription = null;
          failed(err.message);
        },
      });
    } catch (err) {
      failed((err as Error).message);
      return;
    }
    // Stopped meanwhile: stop() closes the session once this returns.
    if (stopped) return;
    await check();
  }

  return {
    /** True while notifications are known to arrive. */
    live: () => live,
    /** Calls handler on each notification of the channel; returns the unsubscribe. */
    on(channel: WakeupChannel, handler: () => void): () => void {
      handlers[channel].add(handler);
      return () => handlers[channel].delete(handler);
    },
    /** Calls listener each time notifications start or stop arriving. */
    onLive(listener: (live: boolean) => void): () => void {
      liveListeners.add(listener);
      return () => liveListeners.delete(listener);
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      running = connect();
    },
    /** Stops listening and closes the session. Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer ?? undefined);
      timer = null;
      // A probe under way stops waiting for its notification.
      heard?.();
      await running;
      await close();
      setLive(false);
    },
  };
}

export type Wakeups = ReturnType<typeof createWakeups>;
