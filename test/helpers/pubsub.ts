import { vi } from 'vitest';
import type { Cache } from '../../src/cache/types.js';

/**
 * Resolves once a message published on the channel comes back through this cache's
 * subscription: a Redis SUBSCRIBE is acknowledged a few milliseconds after subscribe() returns,
 * and a message published before that is lost (the service's version poll covers that window;
 * a test of the announcement must not depend on it).
 */
/** The message untilSubscribed() sends; tests listening on the same channel skip it. */
export const subscriptionProbe = 'subscription-probe';

export async function untilSubscribed(cache: Cache, channel: string): Promise<void> {
  let heard = false;
  const unsubscribe = cache.subscribe(channel, (message) => {
    if (message === subscriptionProbe) heard = true;
  });
  try {
    await vi.waitFor(
      async () => {
        await cache.publish(channel, subscriptionProbe);
        if (!heard) throw new Error(`no message back on ${channel} yet`);
      },
      { timeout: 5000, interval: 20 },
    );
  } finally {
    await unsubscribe();
  }
}
