import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { everyVariantUrl } from '../helpers/variant-urls.js';
import { cleanupAll, get, migratedDatabase, type Service, serviceEnv, sleep, startService, steadyLoad, summarise } from './harness.js';

/**
 * One client against everyone else, on a real process: a client cycling through every valid
 * variant URL, and one address taking every stream slot. Loopback has a whole /8: the hostile
 * client connects from 127.0.0.2, everyone else from 127.0.0.1, so the service tells them
 * apart by address as it would on a network.
 */
const sidebar = '/api/v1/shared/sidebar';
const hostile = '127.0.0.2';

/** The cycling client (cycle-variants.mjs) in a process of its own; stop() ends it and gives its answers by status. */
async function startCycler(service: Service, connections: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'sidebar-cycle-')), 'urls.json');
  writeFileSync(file, JSON.stringify(everyVariantUrl(sidebar)));
  const child: ChildProcess = fork(new URL('./cycle-variants.mjs', import.meta.url).pathname, [String(service.port), file, String(connections), hostile], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  await once(child, 'message');
  return {
    async stop(): Promise<Record<string, number>> {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out.trim() || '{}') as Record<string, number>;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** Opens a stream from `localAddress`: its status, and (for a 200) a promise of the first event's name and of its end. */
function openStream(service: Service, localAddress: string) {
  return new Promise<{ status: number; first: Promise<string>; ended: Promise<void>; close: () => void }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: service.port, path: `${sidebar}/stream`, localAddress, headers: { accept: 'text/event-stream' } }, (res) => {
      let buffered = '';
      const first = new Promise<string>((done) => {
        res.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const event = /^event: (\w+)$/m.exec(buffered);
          if (event) done(event[1] as string);
        });
      });
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({ status: res.statusCode ?? 0, first, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fairness', () => {
  const stops: (() => unknown)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await cleanupAll();
  });

  it('a client cycling through every valid variant URL on 50 connections: an ordinary client of the plain sidebar keeps p99 under 50 ms; the cycler is refused (429) past its share', async () => {
    const database = await migratedDatabase();
    const service = await startService(serviceEnv((await database.proxy()).url, null, { SCHEDULER_ENABLED: 'false' }));
    await get(service, sidebar);
    const cycler = await startCycler(service, 50);
    stops.push(cycler.kill);
    await sleep(1000);
    const load = steadyLoad([service], 200);
    const from = load.now();
    await sleep(5000);
    const to = load.now();
    const samples = await load.stop();
    const statuses = await cycler.stop();
    const report = summarise(
      'a client cycling through every variant URL (50 connections)',
      samples,
      { from, to },
      null,
      `the cycler's answers by status: ${JSON.stringify(statuses)}`,
    );
    expect(report.failed).toBe(0);
    expect(report.p99_ms_during_fault).toBeLessThan(50);
    expect(statuses['429']).toBeGreaterThan(0);
    expect(statuses['200']).toBeGreaterThan(0);
    expect(statuses.error ?? 0).toBe(0);
  });

  it('one address cannot keep another out of the streams: past its share it is refused, and when it holds every slot a newcomer still gets one', async () => {
    const database = await migratedDatabase();
    // Every slot may go to one address, so it can fill the instance.
    const service = await startService(
      serviceEnv((await database.proxy()).url, null, { SCHEDULER_ENABLED: 'false', STREAM_MAX_CLIENTS: '20', STREAM_MAX_SHARE_PER_ADDRESS: '1' }),
    );
    const held = [];
    for (let i = 0; i < 20; i++) {
      const stream = await openStream(service, hostile);
      stops.push(stream.close);
      expect(stream.status).toBe(200);
      held.push(stream);
    }
    const newcomer = await openStream(service, '127.0.0.1');
    stops.push(newcomer.close);
    expect(newcomer.status).toBe(200);
    expect(await newcomer.first).toBe('sidebar');
    // The hostile address's newest stream gave up its slot.
    await held.at(-1)?.ended;
    // With the default share (a tenth), the first address is refused at 2 of 20, and the other still gets in.
    const shared = await startService(serviceEnv((await database.proxy()).url, null, { SCHEDULER_ENABLED: 'false', STREAM_MAX_CLIENTS: '20' }));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await openStream(shared, hostile);
      stops.push(stream.close);
      statuses.push(stream.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const other = await openStream(shared, '127.0.0.1');
    stops.push(other.close);
    expect(other.status).toBe(200);
  });
});
