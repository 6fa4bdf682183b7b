import type { FastifyBaseLogger } from 'fastify';
import type { Wakeups } from '../db/wakeups.js';
import type { ViewVersion } from './repository.js';

export interface VersionWatcherOptions {
  /** Reads the current version from the database (sidebar_data_version()). */
  read: () => Promise<ViewVersion | null>;
  /** How often to read it; the bound on how long a refresh made elsewhere goes unseen. 0: never poll. */
  intervalMs: number;
  log: FastifyBaseLogger;
  /**
   * Reads come from a read replica, which may lag the primary where versions are made: a
   * version made there is believed once `read` shows it (see made()). Default false.
   */
  replicaReads?: boolean;
  /** With replicaReads: how long made() keeps checking for a version the replica does not show yet. */
  catchUpMs?: number;
  /**
   * The database's notifications: a refresh's notification has the version read at once. The
   * poll keeps its interval all the same: its failing is how the process knows the database
   * cannot confirm the copy it serves (answers marked stale), which a silent outage (a black
   * hole, a paused server) would not tell through the listening session for seconds.
   */
  wakeups?: Pick<Wakeups, 'on'>;
}

/**
 * The newest sidebar_data version this process knows of. It only ever moves forward, and it
 * learns from three places: the refreshes this process runs, the database loads it makes, and
 * a poll of sidebar_data_version() every intervalMs, which is how refreshes made by other
 * instances, psql or pg_cron reach it. Polling (one indexed row) works through transaction
 * poolers (PgBouncer, Supabase's port 6543), where LISTEN does not; where the database's
 * notifications do arrive (wakeups), a refresh's notification has the version read at once,
 * without waiting for the poll.
 */
export function createVersionWatcher(options: VersionWatcherOptions) {
  const { log } = options;
  let current = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  let checking: Promise<number> | null = null;
  let failing = false;
  let lastCheckAt: number | null = null;
  const listeners = new Set<(version: number) => void>();

  function observe(version: number): boolean {
    if (version <= current) return false;
    current = version;
    // After the caller's own step (a load observes mid-way): listeners start work of their own.
    for (const listener of listeners) queueMicrotask(() => listener(version));
    return true;
  }

  async function readOnce(): Promise<number> {
    try {
      const row = await options.read();
      lastCheckAt = Date.now();
      if (failing) log.info('sidebar version check works again');
      failing = false;
      if (row && observe(row.version)) log.debug({ version: row.version }, 'sidebar_data has a new version');
    } catch (err) {
      // Logged on the transition only: a database outage would otherwise log every second.
      if (!failing) log.warn({ err: (err as Error).message }, 'cannot read the sidebar version; keeping the last known one');
      failing = true;
    }
    return current;
  }

  function schedule(): void {
    if (stopped || options.intervalMs <= 0) return;
    timer = setTimeout(async () => {
      timer = null;
      await check();
      schedule();
    }, options.intervalMs);
    timer.unref();
  }

  // stop() unsubscribes: no notification reads after it.
  const offVersion = options.wakeups?.on('version', () => void check());

  // The newest version made on the primary that the replica did not show yet, and its chase.
  let awaited = 0;
  let chasing = false;
  let halted = false;
  async function chase(): Promise<void> {
    chasing = true;
    const until = Date.now() + (options.catchUpMs ?? 5000);
    // Stryker disable next-line ArithmeticOperator: any short pause doubles from here; the check count, not the pause, is what is tested.
    for (let pauseMs = 10; !halted; pauseMs = Math.min(pauseMs * 2, 250)) {
      if ((await check()) >= awaited || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs).unref());
    }
    chasing = false;
  }

  /** Reads the version now (concurrent callers share one read); resolves to the newest known. */
  function check(): Promise<number> {
    checking ??= readOnce().finally(() => {
      checking = null;
    });
    return checking;
  }

  return {
    /** The newest known version; 0 before any is known. */
    current: () => current,
    /** True while the last read failed: the newest known version may not be the newest there is. */
    failing: () => failing,
    observe,
    check,
    /**
     * A version made on the primary: this process's refresh, or another instance's announced
     * one. Reads from the primary: known now (observe). Reads from a replica: known once the
     * replica shows it, checked at once and then every 10-250 ms for up to catchUpMs (the
     * regular poll after that), so the version this process serves is always one it can read,
     * and a lagging replica is not asked for rows it does not have yet. True when known now.
     */
    made(version: number): boolean {
      if (!options.replicaReads) return observe(version);
      if (version <= current) return false;
      awaited = Math.max(awaited, version);
      if (!chasing) void chase();
      return false;
    },
    /** Calls listener with each newer version as it becomes known, from wherever; returns the unsubscribe. */
    onNewer(listener: (version: number) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    /** Stops polling and waits for a read under way. Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      halted = true;
      offVersion?.();
      // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the guard is for the types.
      if (timer) clearTimeout(timer);
      timer = null;
      await checking;
    },
    state: () => ({ version: current, last_check_at: lastCheckAt, failing }),
  };
}

export type VersionWatcher = ReturnType<typeof createVersionWatcher>;
