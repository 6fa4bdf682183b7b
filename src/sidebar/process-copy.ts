import type { SidebarBasis } from './hierarchy.js';
import type { Snapshot } from './snapshot.js';

/**
 * Which layer produced the bytes a request got: this process's copy, the shared cache, or
 * the database. The names are part of the API (Server-Timing, /stats, metrics): "memory"
 * here always means this process's copy, never the in-process cache backend.
 */
export type Layer = 'memory' | 'cache' | 'database';

/** What a load produces: the bytes, the sidebar_data version they show, and where they came from. */
export interface Loaded {
  snapshot: Snapshot;
  /** What the bytes were built from, and the variants are (hierarchy.ts). */
  basis: SidebarBasis;
  /** The refresh that made these bytes; null for a fallback answer (computed from odds_events, unversioned). */
  version: number | null;
  origin: Exclude<Layer, 'memory'>;
}

export interface CopyEntry extends Loaded {
  loadedAt: number;
}

export interface CopyRead extends CopyEntry {
  layer: Layer;
  /**
   * Served without knowing it is the newest: a newer version could not be loaded, a fallback
   * copy is past its re-check time (a reload runs in the background), or the database cannot
   * be asked (see confirmed).
   */
  stale: boolean;
}

export interface ProcessCopyOptions {
  /** Loads from the shared cache or the database (bypassCache: the database). */
  load: (options: { bypassCache: boolean }) => Promise<Loaded>;
  /** The newest sidebar_data version this process knows of; a copy older than it is not served. */
  currentVersion: () => number;
  /**
   * Whether the database confirms, now, that the newest known version is the newest there is;
   * false while it cannot be asked (down, starting). Copies are served all the same, but marked
   * stale, and never by peekFresh(). Default: always.
   */
  confirmed?: () => boolean;
  /** How long a fallback copy is served before it is re-checked (it has no version to compare). */
  fallbackRecheckMs: number;
  /**
   * How long a reader holding an older copy waits for the newer version's load before it is
   * served that copy, marked stale (the load goes on, and installs when it completes): a slow
   * or stuck load costs readers at most this. Default 500 ms.
   */
  waitForNewerMs?: number;
  /** After a failed load, no new one starts for baseMs, doubling per failure up to maxMs. */
  backoff?: { baseMs: number; maxMs: number };
  /** Told when loads start failing (once) and when they work again: one line per state change. */
  onLoadsFailing?: (err: unknown) => void;
  onLoadsRecovered?: (failures: number) => void;
  now?: () => number;
}

/**
 * This process's copy of the sidebar bytes, in front of the shared cache and the database.
 *
 * - A copy of version v is served, with no I/O, while v is the newest version this process
 *   knows of; it needs no TTL, because a version's bytes never change.
 * - A newer version known (a refresh here, or one seen by the version watcher): the next
 *   reader loads it, and concurrent readers wait for that same load (single-flight), for at
 *   most waitForNewerMs. If that load fails or takes longer (a database failing over), they
 *   are served the copy they have (stale) rather than an error or a wait.
 * - A fallback copy has no version: it is served for fallbackRecheckMs, then once more while
 *   one background load replaces it (stale-while-revalidate).
 * - Nothing older ever replaces something newer: a load that returns an older version than
 *   the copy or than the newest known is handed to its callers but not installed, and a load
 *   begun before invalidate() does not install at all.
 * - A failed load is not retried at once while a copy is held: readers get that copy and new
 *   attempts back off exponentially, so an outage under load costs a handful of attempts, not
 *   one per request.
 */
export function createProcessCopy(options: ProcessCopyOptions) {
  const now = options.now ?? (() => Date.now());
  const confirmed = options.confirmed ?? (() => true);
  const waitForNewerMs = options.waitForNewerMs ?? 500;
  let entry: CopyEntry | null = null;
  let generation = 0;
  let inFlight: Promise<CopyEntry> | null = null;
  const backoff = options.backoff ?? { baseMs: 250, maxMs: 5000 };
  let failures = 0;
  let retryAt = 0;
  let lastError: unknown = null;

  function isCurrent(e: CopyEntry): boolean {
    return e.version !== null ? e.version >= options.currentVersion() : now() - e.loadedAt < options.fallbackRecheckMs;
  }

  function mayInstall(loaded: Loaded): boolean {
    // entry?.version == null: no copy, or a fallback copy; either is always replaced.
    if (loaded.version === null) return entry?.version == null || !isCurrent(entry);
    if (loaded.version < options.currentVersion()) return false;
    return entry?.version == null || loaded.version >= entry.version;
  }

  function install(bypassCache: boolean): Promise<CopyEntry> {
    const startedIn = generation;
    return options.load({ bypassCache }).then((loaded) => {
      const fresh: CopyEntry = { ...loaded, loadedAt: now() };
      if (startedIn === generation && mayInstall(loaded)) entry = fresh;
      return fresh;
    });
  }

  function recordOutcome(p: Promise<CopyEntry>): Promise<CopyEntry> {
    return p.then(
      (loaded) => {
        if (failures > 0) options.onLoadsRecovered?.(failures);
        failures = 0;
        return loaded;
      },
      (err: unknown) => {
        if (failures === 0) options.onLoadsFailing?.(err);
        failures++;
        lastError = err;
        retryAt = now() + Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
        throw err;
      },
    );
  }

  function loadOnce(): Promise<CopyEntry> {
    if (inFlight) return inFlight;
    // Backing off after a failure while a copy is held: no new attempt yet (the caller serves
    // the copy). Without a copy there is nothing better to answer, so readers try (one
    // attempt at a time, each bounded by the database's deadlines).
    if (entry && failures > 0 && now() < retryAt) return Promise.reject(lastError);
    const p = recordOutcome(install(false));
    inFlight = p;
    const clear = () => {
      if (inFlight === p) inFlight = null;
    };
    p.then(clear, clear);
    return p;
  }

  /** The load's result, or null once waitForNewerMs has passed (the load goes on). */
  function withinWait(load: Promise<CopyEntry>): Promise<CopyEntry | null> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, waitForNewerMs, null);
    });
    return Promise.race([load, waited]).finally(() => clearTimeout(timer));
  }

  return {
    /** The copy if it may be served now, without any I/O; null otherwise. The hot path's whole cost. */
    peekFresh(): CopyEntry | null {
      return entry && isCurrent(entry) && confirmed() ? entry : null;
    },

    async get(): Promise<CopyRead> {
      const current = entry;
      if (current && isCurrent(current)) return { ...current, layer: 'memory', stale: !confirmed() };
      if (current && current.version === null) {
        loadOnce().catch(() => {}); // reported through onLoadsFailing
        return { ...current, layer: 'memory', stale: true };
      }
      try {
        const loaded = current ? await withinWait(loadOnce()) : await loadOnce();
        // Waited long enough for the newer version: the copy held, stale, while the load goes on.
        // Stryker disable next-line ConditionalExpression: equivalent: reading null.origin throws, and the catch below answers the same stale copy.
        if (!loaded) return { ...(current as CopyEntry), layer: 'memory', stale: true };
        return { ...loaded, layer: loaded.origin, stale: !confirmed() };
      } catch (err) {
        // The newer version cannot be loaded now (cache and database failing): the last good
        // copy is a better answer than an error. Without one, the error stands.
        if (!current) throw err;
        return { ...current, layer: 'memory', stale: true };
      }
    },

    /** Reads the database now, past every cache (force_refresh), and installs the result. */
    async reload(): Promise<CopyRead> {
      // Stryker disable next-line UpdateOperator: any change of generation marks loads begun before it; the direction does not matter.
      generation++;
      inFlight = null;
      // Asked for explicitly (force_refresh): tried whatever the backoff says.
      const loaded = await recordOutcome(install(true));
      return { ...loaded, layer: loaded.origin, stale: false };
    },

    /** Drops the copy; a load already under way will not install its result. */
    invalidate(): void {
      // Stryker disable next-line UpdateOperator: any change of generation marks loads begun before it; the direction does not matter.
      generation++;
      entry = null;
      inFlight = null;
    },

    /** The copy held, whether or not it may be served without a check (null: none). */
    held(): CopyEntry | null {
      return entry;
    },
  };
}

export type ProcessCopy = ReturnType<typeof createProcessCopy>;
