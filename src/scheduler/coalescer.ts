import type { FastifyBaseLogger } from 'fastify';

export interface CoalescerDeps {
  delayMs: number;
  /** Runs one refresh; a 'skipped' outcome (another refresh held the lock) is asked for again. */
  run: () => Promise<{ status: string }>;
  log: FastifyBaseLogger;
}

/**
 * Turns many "please refresh" requests into few refreshes. The first request schedules a
 * refresh delayMs later; requests until then join it; a request that arrives while that
 * refresh runs schedules exactly one more after it. A refresh that was skipped because
 * another one held the lock is asked for again: the other one may have begun before the
 * change it was asked for committed. So a feed that pushes every second costs one refresh
 * per delay window, and no change is left for the next scheduled tick.
 */
export function createRefreshCoalescer(deps: CoalescerDeps) {
  let timer: NodeJS.Timeout | null = null;
  let dueAt = 0;
  let inFlight: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let requests = 0;
  let runs = 0;

  async function runOnce(): Promise<void> {
    runs++;
    try {
      const result = await deps.run();
      if (result.status === 'skipped') {
        deps.log.info('coalesced sidebar refresh skipped (another refresh was running); asking again');
        again = true;
      }
    } catch (err) {
      deps.log.error({ err }, 'coalesced sidebar refresh failed');
    }
  }

  function schedule(): void {
    if (stopped || timer) return;
    dueAt = Date.now() + deps.delayMs;
    timer = setTimeout(() => {
      timer = null;
      inFlight = runOnce().finally(() => {
        inFlight = null;
        if (again) {
          again = false;
          schedule();
        }
      });
    }, deps.delayMs);
  }

  return {
    /**
     * Asks for a refresh soon; returns when it is due (ISO time) for the caller to report: the
     * pending refresh's time, or, while one runs, the earliest the next can start.
     */
    request(): string {
      requests++;
      if (inFlight) {
        again = true;
        return new Date(Date.now() + deps.delayMs).toISOString();
      }
      schedule();
      return new Date(dueAt).toISOString();
    },
    /** Cancels what is pending and waits for a refresh in progress. */
    async stop(): Promise<void> {
      stopped = true;
      // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the guard is for the types.
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
    state: () => ({ pending: timer !== null, running: inFlight !== null, requests, runs }),
  };
}

export type RefreshCoalescer = ReturnType<typeof createRefreshCoalescer>;
