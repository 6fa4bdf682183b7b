import type { SharedCache, SidebarCacheKeys } from './shared-cache.js';
import type { VersionWatcher } from './version-watcher.js';

/**
 * New versions, told between instances over the shared cache's pub/sub: the instance whose
 * refresh made a version announces it, and every instance that hears it knows it at once and
 * loads it in the background, so its next request finds it ready. Polling (the version watcher)
 * is the backstop when an announcement is lost.
 */
export function createAnnouncements({
  shared,
  keys,
  versions,
  preload,
}: {
  shared: SharedCache;
  keys: SidebarCacheKeys;
  versions: VersionWatcher;
  preload: () => void;
}) {
  return {
    /** Tells every instance of a version this process made (not awaited). */
    announce(version: number): void {
      shared.publish(keys.versions, String(version));
    },

    /** A version another instance announced. Anything but a version number newer than the one known is ignored. */
    heard(message: string): void {
      const version = Number(message);
      if (!Number.isSafeInteger(version) || !versions.made(version)) return;
      preload();
    },
  };
}
