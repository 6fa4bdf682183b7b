import { afterEach, describe, expect, it, vi } from 'vitest';
import { isUnreachable } from '../../../src/db/errors.js';
import { DatabaseStartingError, prepareSchemaInBackground, StartupStoppedError, schemaReady } from '../../../src/db/startup.js';
import { capturingLogger, silentLogger } from '../../helpers/logger.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('database start-up in the background', () => {
  it('retries while the database is unreachable, then is ready', async () => {
    const prepare = vi.fn().mockRejectedValueOnce(refused()).mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 5, maxMs: 10 });
    expect(startup.isReady()).toBe(false);
    await startup.whenReady;
    expect(prepare).toHaveBeenCalledTimes(3);
    expect(startup.status()).toEqual({ ready: true, attempts: 3, last_error: null, next_attempt_at: null });
  });

  it('reports the last failure and the next attempt while retrying', async () => {
    const prepare = vi.fn().mockRejectedValue(refused());
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 60_000, maxMs: 60_000 });
    await vi.waitFor(() => expect(startup.status().next_attempt_at).not.toBeNull());
    expect(startup.status()).toMatchObject({ ready: false, attempts: 1, last_error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    await startup.stop();
    await expect(startup.whenReady).rejects.toBeInstanceOf(StartupStoppedError);
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('does not retry a failure that waiting will not fix (a broken migration)', async () => {
    const broken = Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' });
    const prepare = vi.fn().mockRejectedValue(broken);
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 1, maxMs: 1 });
    await expect(startup.whenReady).rejects.toBe(broken);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(startup.isReady()).toBe(false);
  });

  describe('with a clock', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it('waits baseMs after the first failure, doubling up to maxMs (jitter ±20%, here none)', async () => {
      vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
      vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor 0.8 + 0.5 * 0.4 = 1
      const prepare = vi
        .fn()
        .mockRejectedValueOnce(refused())
        .mockRejectedValueOnce(refused())
        .mockRejectedValueOnce(refused())
        .mockRejectedValueOnce(refused());
      prepare.mockResolvedValue(undefined);
      const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 100, maxMs: 300 });
      const callsAt = async (ms: number) => {
        await vi.advanceTimersByTimeAsync(ms);
        return prepare.mock.calls.length;
      };
      expect(await callsAt(0)).toBe(1);
      expect(startup.status().next_attempt_at).toBe('2026-11-25T12:00:00.100Z');
      expect(await callsAt(99)).toBe(1);
      expect(await callsAt(1)).toBe(2); // +100
      expect(await callsAt(199)).toBe(2);
      expect(await callsAt(1)).toBe(3); // +200
      expect(await callsAt(299)).toBe(3);
      expect(await callsAt(1)).toBe(4); // +300 (400 capped)
      expect(await callsAt(299)).toBe(4);
      expect(await callsAt(1)).toBe(5); // +300
      await startup.whenReady;
      expect(startup.isReady()).toBe(true);
    });

    it('jitter stays within ±20% of the delay', async () => {
      vi.useFakeTimers();
      const random = vi.spyOn(Math, 'random').mockReturnValue(0);
      const prepare = vi.fn().mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
      prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 1000, maxMs: 1000 });
      await vi.advanceTimersByTimeAsync(799);
      expect(prepare).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(prepare).toHaveBeenCalledTimes(2); // 0.8 × 1000
      random.mockReturnValue(0.99);
      const later = vi.fn().mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
      prepareSchemaInBackground({ prepare: later, log: silentLogger(), baseMs: 1000, maxMs: 1000 });
      await vi.advanceTimersByTimeAsync(1195);
      expect(later).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(later).toHaveBeenCalledTimes(2); // 1.196 × 1000: just under the +20% bound
    });

    it('stop() during the wait ends it at once, with no further attempt', async () => {
      vi.useFakeTimers();
      const prepare = vi.fn().mockRejectedValue(refused());
      const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 60_000, maxMs: 60_000 });
      await vi.advanceTimersByTimeAsync(0);
      await startup.stop(); // would hang for a minute if the wait were not cut short
      await expect(startup.whenReady).rejects.toBeInstanceOf(StartupStoppedError);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(prepare).toHaveBeenCalledTimes(1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('logs one error when the database is first unreachable and one line when it works, not one per attempt', async () => {
    const { log, lines } = capturingLogger('info');
    const prepare = vi.fn().mockRejectedValueOnce(refused()).mockRejectedValueOnce(refused()).mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
    await prepareSchemaInBackground({ prepare, log, baseMs: 1, maxMs: 1 }).whenReady;
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'database unreachable at start-up; serving what can be served and retrying in the background'],
      [30, 'database reachable and migrated; serving from it'],
    ]);
    expect(lines[0]).toMatchObject({ err: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(lines[1]).toMatchObject({ attempts: 4 });
  });

  it('stop() while an attempt is under way waits for it, not for the backoff after it, and no attempt follows', async () => {
    let finish: (err: Error) => void = () => {};
    const prepare = vi.fn(() => new Promise<void>((_, reject) => (finish = reject)));
    // A minute's backoff: stop() would wait it out if the loop slept before noticing.
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 60_000, maxMs: 60_000 });
    const stopping = startup.stop();
    finish(refused());
    await expect(stopping).resolves.toBeUndefined();
    await expect(startup.whenReady).rejects.toBeInstanceOf(StartupStoppedError);
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('logs nothing when the first attempt succeeds', async () => {
    const { log, lines } = capturingLogger('info');
    await prepareSchemaInBackground({ prepare: async () => {}, log }).whenReady;
    expect(lines).toEqual([]);
  });

  it('an error without a message is reported by its code', async () => {
    const prepare = vi
      .fn()
      .mockRejectedValueOnce(Object.assign(new Error(''), { code: 'ECONNRESET' }))
      .mockResolvedValue(undefined);
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 60_000, maxMs: 60_000 });
    await vi.waitFor(() => expect(startup.status().last_error).toBe('ECONNRESET'));
    await startup.stop();
  });

  it('onReady runs its function once the schema is ready, and never after stop()', async () => {
    const prepare = vi.fn().mockRejectedValueOnce(refused()).mockResolvedValue(undefined);
    const startup = prepareSchemaInBackground({ prepare, log: silentLogger(), baseMs: 1, maxMs: 1 });
    const ran: string[] = [];
    startup.onReady(() => ran.push('ready'));
    expect(ran).toEqual([]);
    await startup.whenReady;
    await Promise.resolve();
    expect(ran).toEqual(['ready']);

    // Closed while the last attempt ran, which then succeeded: too late to start anything.
    let finish: () => void = () => {};
    const late = prepareSchemaInBackground({ prepare: () => new Promise<void>((resolve) => (finish = resolve)), log: silentLogger() });
    late.onReady(() => ran.push('too late'));
    const stopping = late.stop();
    finish();
    await stopping;
    await late.whenReady;

    const embedded = schemaReady();
    embedded.onReady(() => ran.push('embedded'));
    const closed = schemaReady();
    closed.onReady(() => ran.push('closed'));
    await closed.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(['ready', 'embedded']);
  });

  it('schemaReady(): ready at once, with nothing attempted', async () => {
    const ready = schemaReady();
    expect(ready.isReady()).toBe(true);
    await expect(ready.whenReady).resolves.toBeUndefined();
    expect(ready.status()).toEqual({ ready: true, attempts: 0, last_error: null, next_attempt_at: null });
    await expect(ready.stop()).resolves.toBeUndefined();
  });

  it('reads asked for before the schema is ready fail as an unreachable database, with the cause', () => {
    const error = new DatabaseStartingError('connect ECONNREFUSED');
    expect(isUnreachable(error)).toBe(true);
    expect(error.code).toBe('EDBSTARTING');
    expect(error.message).toBe('The database is not ready yet (connecting and migrating): connect ECONNREFUSED');
    expect(new DatabaseStartingError(null).message).toBe('The database is not ready yet (connecting and migrating)');
    expect(new StartupStoppedError().message).toBe('database start-up stopped before the schema was ready');
  });
});
