import { describe, expect, it } from 'vitest';
import { createInProcessCache } from '../../../src/cache/in-process.js';

describe('memory cache', () => {
  it('returns what was set until its TTL passes, then nothing', async () => {
    let now = 1_000_000;
    const cache = createInProcessCache(() => now);
    await cache.set('k', 'v', 10);
    expect(await cache.get('k')).toBe('v');
    now += 9_999;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeNull();
    await cache.close();
  });

  it('deletes keys on invalidation', async () => {
    const cache = createInProcessCache();
    await cache.set('a', '1', 60);
    await cache.set('b', '2', 60);
    await cache.del('a', 'b');
    expect(await cache.get('a')).toBeNull();
    expect(await cache.get('b')).toBeNull();
    expect(cache.isConnected()).toBe(true);
    await cache.close();
  });
});
