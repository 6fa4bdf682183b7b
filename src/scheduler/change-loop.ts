import type { FastifyBaseLogger } from 'fastify';
import type { ChangeLoopState } from '../contract/index.js';
import type { Wakeups } from '../db/wakeups.js';
import type { RefreshLogRow } from '../sidebar/repository.js';

export interface ChangeLoopDeps {
  /** How often to ask; 0: never (the schedule alone refreshes). */
  pollMs: number;
  /** At most one change-driven refresh per this many milliseconds, across every instance. */
  minGapMs: number;
  log: FastifyBaseLogger;
  /** refresh_sidebar_data_if_changed(): the log row of a refresh, or null when there was nothing to do. */
  refreshIfChanged: (minGapSeconds: number) => Promise<RefreshLogRow | null>;
  /** The database's notifications (LISTEN); while they arrive, the loop wakes on them and polls only every safetyPollMs. */
  wakeups?: Pick<Wakeups, 'live' | 'on' | 'onLive'>;
  /** The poll while notifications arrive: what a lost one waits at most. Default 5 s. */
  safetyPollMs?: number;
}

/**
 * Change-driven freshness: every pollMs, asks the database whether writes wait for a refresh
 * (the change records, refresh_sidebar_data_if_changed()), and has it refresh if so. Every instance polls; the database decides, under
 * the refresh lock, so the fleet refreshes at most once per minGapMs however many instances
 * and writers there are. A poll with nothing pending is an index probe and logs nothing.
 * Polls never overlap: the next is scheduled when one ends.
 *
 * With wake-ups (the database's notifications arrive), a write's notification asks at once, or
 * when the minimum gap since the last refresh anyone made ends (each refresh notifies too). Only
 * the first write among those waiting notifies (tg_sidebar_changes__odds_events), so every
 * refresh heard of is followed by an ask when the gap ends: the writes committed after it began
 * wait, and told no one. An ask made for a notification or a refresh that finds nothing to do
 * is made once more after the gap (a refresh this process has not heard of yet may have held
 * it back, or its timer fired a little early for the database's clock). The poll then only
 * covers a lost notification.
 */
export function createChangeLoop(deps: ChangeLoopDeps) {
  const { log, pollMs, minGapMs } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let failing = false;
  let lastCheckAt: Date | null = null;
  let lastRefreshAt: Date | null = null;
  let refreshes = 0;

  const safetyPollMs = Math.max(pollMs, deps.safetyPollMs ?? 5000);
  const woken = () => deps.wakeups?.live() === true;
  // wanted: an ask is due as soon as the gap allows (a write or a refresh was notified since the
  // last ask began, or a re-ask); askAgain: the ask due is a notification's first, not a re-ask.
  let wanted = false;
  // Stryker disable next-line BooleanLiteral: equivalent: read only after a notification, which sets it.
  let askAgain = false;
  let lastVersionAt = Number.NEGATIVE_INFINITY;

  async function poll(): Promise<void> {
    // Whether a write was notified, and whether this is the first ask since (not a re-ask).
    const notified = wanted;
    const first = askAgain;
    wanted = false;
    askAgain = false;
    try {
      const result = await deps.refreshIfChanged(minGapMs / 1000);
      lastCheckAt = new Date();
      if (failing) log.info('change polling works again');
      failing = false;
      if (result) {
        refreshes++;
        lastRefreshAt = result.finished_at;
        lastVersionAt = Date.now();
      } else if (notified && first) {
        // Nothing refreshed although a write or a refresh was notified: a refresh within the gap
        // (one this process has not heard of yet), another's in progress, or nothing waiting.
        // Asked once more when the gap ends.
        wanted = true;
        lastVersionAt = Date.now();
      }
    } catch (err) {
      // Logged on the transition only: an outage would otherwise log four lines a second.
      if (!failing) log.warn({ err: (err as Error).message }, 'cannot poll for sidebar changes; they wait for the database (or the schedule)');
      failing = true;
    }
  }

  /** The next ask: a notified write's as soon as the gap allows, otherwise the poll's. */
  function nextDelay(): number {
    if (wanted) return Math.max(0, lastVersionAt + minGapMs - Date.now());
    return woken() ? safetyPollMs : pollMs;
  }

  /** Asks after delayMs (replacing the ask scheduled); an ask under way schedules the next when it ends. */
  function schedule(delayMs = nextDelay()): void {
    if (stopped || running) return;
    clearTimeout(timer ?? undefined);
    timer = setTimeout(() => {
      timer = null;
      running = poll().finally(() => {
        running = null;
        schedule();
      });
    }, delayMs);
    timer.unref();
  }

  const ask = () => {
    wanted = true;
    askAgain = true;
    schedule();
  };
  const unsubscribe = [
    deps.wakeups?.on('changes', ask),
    // A refresh somewhere: writes committed after it began wait unnotified (only the first
    // waiting write notifies), so an ask follows when the gap ends.
    deps.wakeups?.on('version', () => {
      lastVersionAt = Date.now();
      ask();
    }),
    // Notifications start arriving: ask now (one may have been missed); they stop: poll again.
    deps.wakeups?.onLive((live) => schedule(live ? 0 : pollMs)),
  ];

  return {
    start(): void {
      if (!stopped || pollMs <= 0) return;
      stopped = false;
      log.info({ poll_ms: pollMs, min_gap_ms: minGapMs }, 'sidebar change polling started');
      // Notifications already arriving: records may wait whose one notification no one heard
      // (written while no instance listened), and later writes will not notify. Asked at once.
      schedule(woken() ? 0 : undefined);
    },

    /** Stops polling and waits for a poll (and its refresh) under way. Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      for (const off of unsubscribe) off?.();
      // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the guard is for the types.
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },

    state(): ChangeLoopState {
      return {
        enabled: !stopped,
        poll_ms: woken() ? safetyPollMs : pollMs,
        woken: woken(),
        min_gap_ms: minGapMs,
        last_check_at: lastCheckAt?.toISOString() ?? null,
        last_refresh_at: lastRefreshAt?.toISOString() ?? null,
        refreshes,
        failing,
      };
    },
  };
}

export type ChangeLoop = ReturnType<typeof createChangeLoop>;
