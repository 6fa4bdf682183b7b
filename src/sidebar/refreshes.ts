import type { FastifyBaseLogger } from 'fastify';
import type { RefreshTrigger } from '../contract/index.js';
import type { RefreshLogRow, SidebarRepository } from './repository.js';

type Trigger = RefreshTrigger | 'change';

/**
 * The refresh bookkeeping of this process: refresh_sidebar_data() calls (by trigger, or when
 * changes wait), the calls in flight, and what every outcome does: metrics, one log line,
 * `onSuccess` with the version it made, then the listeners.
 */
export function createRefreshes({
  repository,
  log,
  alertSeconds,
  onRefresh,
  onSuccess,
}: {
  repository: SidebarRepository;
  log: FastifyBaseLogger;
  alertSeconds: number;
  /** Told of every refresh outcome first (metrics). */
  onRefresh?: (result: RefreshLogRow) => void;
  /** A success: a new version. */
  onSuccess: (version: number) => void;
}) {
  const listeners = new Set<(result: RefreshLogRow) => void>();

  // The refresh calls this process has in flight, by when each started: a refresh that hangs is
  // visible (sidebar_refresh_in_progress_since_timestamp_seconds) before it ends.
  const refreshing = new Map<symbol, { trigger: Trigger; started: number }>();
  async function inFlight<T>(trigger: Trigger, call: () => Promise<T>): Promise<T> {
    const id = Symbol('refresh');
    refreshing.set(id, { trigger, started: Date.now() });
    try {
      return await call();
    } finally {
      refreshing.delete(id);
    }
  }

  function settled(result: RefreshLogRow): RefreshLogRow {
    onRefresh?.(result);
    const { trigger } = result;
    const fields = {
      refresh: {
        id: result.id,
        trigger,
        status: result.status,
        duration_ms: result.duration_ms,
        row_count: result.row_count,
      },
    };
    if (result.status === 'success') onSuccess(result.id);
    if (result.alert_triggered) {
      log.warn({ ...fields, alert_threshold_ms: result.alert_threshold_ms }, 'sidebar refresh was slower than the alert threshold');
    } else if (result.status === 'error') {
      log.error({ ...fields, error: result.error_message }, 'sidebar refresh failed; the previous view is kept');
    } else {
      log.info(fields, `sidebar refresh ${result.status}`);
    }
    for (const listener of listeners) listener(result);
    return result;
  }

  return {
    /** Runs refresh_sidebar_data(); a success is a new version, which every layer then serves. */
    async refresh(trigger: RefreshTrigger, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      return settled(await inFlight(trigger, () => repository.refresh(trigger, alertSeconds, minIntervalSeconds)));
    },

    /**
     * Refreshes if writes to odds_events (or the configuration) wait for one, at most once per
     * minGapSeconds across every instance; null when there was nothing to do (nothing logged).
     */
    async refreshIfChanged(minGapSeconds: number): Promise<RefreshLogRow | null> {
      const result = await inFlight('change', () => repository.refreshIfChanged(minGapSeconds, alertSeconds));
      return result && settled(result);
    },

    /** The refresh calls this process has in flight: when the oldest of each trigger started (epoch ms). */
    refreshingSince(): Partial<Record<Trigger, number>> {
      const oldest: Partial<Record<Trigger, number>> = {};
      for (const { trigger, started } of refreshing.values()) oldest[trigger] = Math.min(oldest[trigger] ?? started, started);
      return oldest;
    },

    /** Tells `listener` of every refresh this process runs, after the service took its result in; returns the way to stop. */
    onRefresh(listener: (result: RefreshLogRow) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
