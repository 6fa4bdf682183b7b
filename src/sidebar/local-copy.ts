import type { Snapshot } from './snapshot.js';

/** Which layer produced the bytes a request got: this process, the shared cache, or the database. */
export type Layer = 'memory' | 'cache' | 'database';

export interface CopyEntry {
  snapshot: Snapshot;
  /** Where the bytes came from when they were loaded. */
  origin: Exclude<Layer, 'memory'>;
  loadedAt: number;
}

export interface LocalCopyResult extends CopyEntry {
  layer: Layer;
  /** Served past its TTL while a reload runs in the background. */
  stale: boolean;
}

export interface LocalCopyOptions {
  /** Loads the bytes from the shared cache or the database (bypassCache: the database). */
  load: (options: { bypassCache: boolean }) => Promise<Omit<CopyEntry, 'loadedAt'>>;
  /** How long a copy is served without asking Redis again: the bound on cross-instance staleness. 0: no copy. */
  ttlMs: number;
  onBackgroundError?: (err: unknown) => void;
  now?: () => number;
}

/**
 * The in-process copy of the sidebar bytes, in front of Redis and the database.
 *
 * - Fresh (younger than ttlMs): served with no I/O at all.
 * - Expired: served once more while one background load replaces it (stale-while-revalidate).
 * - Absent: the first caller loads; concurrent callers wait for that same load (single-flight).
 * - invalidate() drops it at once, and a load that started before the invalidation cannot
 *   install its (older) result afterwards: each load carries the generation it started in.
 */
export function createLocalCopy(options: LocalCopyOptions) {
  const now = options.now ?? Date.now;
  let entry: CopyEntry | null = null;
  let generation = 0;
  let inFlight: Promise<CopyEntry> | null = null;

  function install(bypassCache: boolean): Promise<CopyEntry> {
    const startedIn = generation;
    return options.load({ bypassCache }).then((loaded) => {
      const fresh: CopyEntry = { ...loaded, loadedAt: now() };
      if (startedIn === generation) entry = fresh;
      return fresh;
    });
  }

  function loadOnce(): Promise<CopyEntry> {
    if (inFlight) return inFlight;
    const p = install(false);
    inFlight = p;
    const clear = () => {
      if (inFlight === p) inFlight = null;
    };
    p.then(clear, clear);
    return p;
  }

  return {
    /** The copy if it is fresh, without any I/O; null otherwise. The hot path's whole cost. */
    peekFresh(): CopyEntry | null {
      return entry && now() - entry.loadedAt < options.ttlMs ? entry : null;
    },

    async get(): Promise<LocalCopyResult> {
      if (options.ttlMs <= 0) {
        // No local copy: every read goes to the shared cache (concurrent reads still share one load).
        const loaded = await loadOnce();
        return { ...loaded, layer: loaded.origin, stale: false };
      }
      const current = entry;
      if (current && now() - current.loadedAt < options.ttlMs) return { ...current, layer: 'memory', stale: false };
      if (current) {
        loadOnce().catch((err) => options.onBackgroundError?.(err));
        return { ...current, layer: 'memory', stale: true };
      }
      const loaded = await loadOnce();
      return { ...loaded, layer: loaded.origin, stale: false };
    },

    /** Reads the database now, past every cache (force_refresh), and installs the result. */
    async reload(): Promise<LocalCopyResult> {
      generation++;
      inFlight = null;
      const loaded = await install(true);
      return { ...loaded, layer: loaded.origin, stale: false };
    },

    invalidate(): void {
      generation++;
      entry = null;
      inFlight = null;
    },
  };
}

export type LocalCopy = ReturnType<typeof createLocalCopy>;
