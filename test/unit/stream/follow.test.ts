import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createVersionWatcher } from '../../../src/sidebar/version-watcher.js';
import { createFollower, type FollowedSidebar } from '../../../src/stream/follow.js';
import { capturingLogger } from '../../helpers/logger.js';

/**
 * A follower over a real version watcher (never polling), a hub that records what it is given,
 * and a load that answers what the test queues (or waits until the test releases it).
 */
function setup(options: { clients?: number } = {}) {
  const versions = createVersionWatcher({ read: async () => null, intervalMs: 0, log: capturingLogger().log });
  const published: number[] = [];
  const state = { clients: options.clients ?? 1, version: null as number | null, dropped: 0 };
  const hub = {
    state: () => state,
    publish: (version: number) => {
      published.push(version);
      state.version = version;
    },
  };
  const answers: Array<FollowedSidebar | Error | Promise<FollowedSidebar>> = [];
  const load = vi.fn(async (): Promise<FollowedSidebar> => {
    const next = answers.shift() ?? { version: versions.current(), etag: `"e${versions.current()}"`, body: '{}' };
    if (next instanceof Error) throw next;
    return next;
  });
  const follower = createFollower({ hub, versions, load, backstopMs: 1000 });
  const at = (version: number | null): FollowedSidebar => ({ version, etag: `"e${version}"`, body: '{}' });
  return { versions, follower, published, state, load, answers, at };
}

describe('stream follower', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes a new version as soon as it becomes known, with no timer involved', async () => {
    const { versions, follower, published } = setup();
    follower.start();
    versions.observe(3);
    await vi.advanceTimersByTimeAsync(0); // microtasks only: no interval has elapsed
    expect(published).toEqual([3]);
    versions.observe(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(published).toEqual([3, 4]);
    follower.stop();
  });

  it('with no client connected, loads nothing; a connecting client is brought to the newest version by follow()', async () => {
    const { versions, follower, published, state, load } = setup({ clients: 0 });
    follower.start();
    versions.observe(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).not.toHaveBeenCalled();
    state.clients = 1;
    await follower.follow();
    expect(published).toEqual([3]);
    await follower.follow(); // current: nothing to load
    expect(load).toHaveBeenCalledTimes(1);
    follower.stop();
  });

  it('a version that becomes known while one loads is published right after it', async () => {
    const { versions, follower, published, answers, at } = setup();
    let release: (s: (typeof answers)[number]) => void = () => {};
    answers.push(new Promise((resolve) => (release = resolve as never)));
    follower.start();
    versions.observe(3);
    await vi.advanceTimersByTimeAsync(0);
    versions.observe(4); // joins the follow under way
    release(at(3));
    await vi.advanceTimersByTimeAsync(0);
    expect(published).toEqual([3, 4]);
    follower.stop();
  });

  it('a load that fails, or answers the fallback or nothing newer, publishes nothing; the backstop tries again while clients wait', async () => {
    const { versions, follower, published, answers, load, at } = setup();
    answers.push(new Error('database down'), at(null));
    follower.start();
    versions.observe(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1); // the fallback: still nothing to resume from
    expect(load).toHaveBeenCalledTimes(2);
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([3]);
    answers.push(at(3)); // overtaken: the version known is 4, the load still brings 3
    versions.observe(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(published).toEqual([3]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([3, 4]);
    follower.stop();
  });

  it('stop() ends both the subscription and the backstop', async () => {
    const { versions, follower, load } = setup();
    follower.start();
    follower.start(); // idempotent: one subscription, one timer
    expect(vi.getTimerCount()).toBe(1);
    follower.stop();
    expect(vi.getTimerCount()).toBe(0);
    versions.observe(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(load).not.toHaveBeenCalled();
  });

  it('a hub holding nothing loads even before any version is known, and publishes what it gets (version 0: a view never refreshed through the function)', async () => {
    const { follower, published, answers, at, load } = setup();
    answers.push(at(0));
    await follower.follow();
    expect(load).toHaveBeenCalledTimes(1);
    expect(published).toEqual([0]);
  });

  it('stop() before start() does nothing', () => {
    const { follower } = setup();
    expect(() => follower.stop()).not.toThrow();
  });
});
