import { describe, expect, it, vi } from 'vitest';
import { prepareSchemaInBackground, StartupStoppedError } from '../../src/db/startup.js';
import { silentLogger } from '../helpers/logger.js';

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
});
