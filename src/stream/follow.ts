import type { VersionWatcher } from '../sidebar/version-watcher.js';
import type { StreamHub } from './hub.js';

/** A sidebar this process can serve: its version (null for a fallback answer), ETag and body. */
export interface FollowedSidebar {
  version: number | null;
  etag: string;
  body: string;
}

export interface FollowerDeps {
  hub: Pick<StreamHub, 'state' | 'publish'>;
  versions: Pick<VersionWatcher, 'current' | 'onNewer'>;
  /** The newest sidebar this process can serve (the service's read path: its copy, the cache, the view). */
  load: () => Promise<FollowedSidebar>;
  /** While clients are connected, a follow that could not load is tried again this often. */
  backstopMs: number;
}

/**
 * Keeps the stream hub at the newest version this process knows: as soon as the version
 * watcher learns of one (a refresh here, an announcement from another instance, a poll), it is
 * loaded once and published to every client. Only while clients are connected; a load that
 * fails (a dependency down) is retried every backstopMs.
 */
export function createFollower(deps: FollowerDeps) {
  const { hub, versions } = deps;
  let following: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;

  /** Brings the hub to the newest known version; concurrent callers share one run. */
  function follow(): Promise<void> {
    following ??= (async () => {
      // A loop: a newer version can become known while one loads.
      for (;;) {
        const held = hub.state().version;
        if (held !== null && versions.current() <= held) return;
        const read = await deps.load();
        // A fallback answer has no version to resume from: clients keep what they hold until the
        // view is back. Nothing newer loaded: the next version, or the backstop, tries again.
        if (read.version === null || (held !== null && read.version <= held)) return;
        hub.publish(read.version, read.etag, read.body);
      }
    })().finally(() => {
      following = null;
    });
    return following;
  }

  const followIfWatched = () => {
    if (hub.state().clients > 0) follow().catch(() => {}); // the read path reports its own failures
  };

  return {
    follow,
    start(): void {
      if (timer) return;
      unsubscribe = versions.onNewer(followIfWatched);
      timer = setInterval(followIfWatched, deps.backstopMs);
      timer.unref();
    },
    stop(): void {
      unsubscribe?.();
      unsubscribe = null;
      // Stryker disable next-line ConditionalExpression: clearInterval(null) does nothing; the guard is for the types.
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
