import type { SidebarBasis } from '../hierarchy.js';
import type { Snapshot } from '../snapshot.js';
import { type Variant, variantKey } from './query.js';

/** What variants are derived from: the full sidebar's bytes and the basis of the same version. */
export interface VariantBase {
  snapshot: Snapshot;
  basis: SidebarBasis;
}

interface Built {
  /** The full sidebar's bytes of the basis this variant was derived from: a variant of an older version is never served. */
  full: Snapshot;
  snapshot: Snapshot;
  /** When it was last used (a counter): the least recently used is dropped when the store is full. */
  used: number;
}

/**
 * This process's pre-built variants, at most `max` (least recently used evicted), each tied to
 * the full snapshot it was derived from, so one refresh updates them all: once the full copy is
 * replaced, the next request derives the variant again (once). The hot path finds them by the
 * request's raw URL, remembered (up to 4 × max URLs) when the route answered that URL.
 */
export function createVariantStore(options: { max: number; build: (base: VariantBase, variant: Variant, key: string) => Snapshot }) {
  const byKey = new Map<string, Built>();
  const keyOfUrl = new Map<string, string>();
  const maxUrls = options.max * 4;
  // A use is one integer write, cheap enough for the hot path; finding the least recently used
  // costs a scan, only when a new variant is built into a full store.
  let clock = 0;

  function evictLeastRecentlyUsed(): void {
    let oldest: string | null = null;
    let oldestUse = Number.POSITIVE_INFINITY;
    for (const [key, built] of byKey) {
      // Stryker disable next-line EqualityOperator: uses are distinct counter values, so < and <= pick the same one.
      if (built.used < oldestUse) {
        oldest = key;
        oldestUse = built.used;
      }
    }
    byKey.delete(oldest as string);
  }

  return {
    /**
     * The variant's bytes for this version, built now if they are not yet (`beforeBuild` is
     * called first, and may refuse by throwing); remembers `url` for the hot path.
     */
    get(base: VariantBase, variant: Variant, url?: string, beforeBuild?: () => void): Snapshot {
      const key = variantKey(variant);
      const full = base.snapshot;
      let built = byKey.get(key);
      if (built?.full !== full) {
        beforeBuild?.();
        built = { full, snapshot: options.build(base, variant, key), used: 0 };
        if (!byKey.has(key) && byKey.size >= options.max) evictLeastRecentlyUsed();
        byKey.set(key, built);
      }
      built.used = ++clock;
      if (url !== undefined) {
        // The most recently answered URLs are kept.
        keyOfUrl.delete(url);
        keyOfUrl.set(url, key);
        if (keyOfUrl.size > maxUrls) keyOfUrl.delete(keyOfUrl.keys().next().value as string);
      }
      return built.snapshot;
    },

    /** The hot path's lookup: the bytes for a URL the route answered before, if derived from this full snapshot. No I/O, no allocation. */
    peek(url: string, full: Snapshot): Snapshot | null {
      const key = keyOfUrl.get(url);
      // Stryker disable next-line ConditionalExpression: byKey holds no undefined key, so the lookup below answers the same; the check is for the types.
      if (key === undefined) return null;
      const built = byKey.get(key);
      if (built?.full !== full) return null;
      built.used = ++clock;
      return built.snapshot;
    },

    size: () => ({ variants: byKey.size, urls: keyOfUrl.size }),
  };
}

export type VariantStore = ReturnType<typeof createVariantStore>;
