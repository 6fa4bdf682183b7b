import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDrain } from '../../../src/http/drain.js';

/** A real node:http server on loopback whose handler the test holds; drained by createDrain. */
async function drainedServer(intervalMs = 20) {
  const held: Array<{ req: IncomingMessage; res: ServerResponse }> = [];
  const server = createServer((req, res) => {
    drain.onRequest(res);
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: hi\n\n');
    }
    held.push({ req, res });
  });
  const drain = createDrain(server, intervalMs);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { server, drain, held, base, closed };
}

const openConnections = (server: Server) => new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count)));
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('draining the server while the app closes', () => {
  const servers: Array<{ closeAllConnections(): void; close(): void }> = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('before draining, answers keep their connection; once draining, a connection left without an answer is closed and a new answer says Connection: close', async () => {
    const { server, drain, held, base } = await drainedServer(100);
    servers.push(server);
    const first = fetch(`${base}/a`);
    await expect.poll(() => held.length).toBe(1);
    held[0]?.res.end('a');
    expect((await first).headers.get('connection')).toBe('keep-alive');
    // Asked before the drain started, answered after: once answered, its connection is closed.
    const second = fetch(`${base}/b`);
    await expect.poll(() => held.length).toBe(2);
    drain.start();
    held[1]?.res.end('b');
    await (await second).text();
    await expect.poll(() => openConnections(server)).toBe(0);
    // Asked while draining: the answer says Connection: close.
    const third = fetch(`${base}/c`);
    await expect.poll(() => held.length).toBe(3);
    held[2]?.res.end('c');
    expect((await third).headers.get('connection')).toBe('close');
  });

  it('a stream that fetch aborted: its connection is closed within an interval, and the server closes without waiting for the client', async () => {
    const { server, drain, held, base, closed } = await drainedServer(20);
    servers.push(server);
    const aborting = new AbortController();
    const stream = await fetch(`${base}/stream`, { signal: aborting.signal });
    await stream.body?.getReader().read();
    aborting.abort();
    await tick(100);
    held[0]?.res.end();
    const closing = closed();
    drain.start();
    const started = Date.now();
    await closing;
    // Without the drain, Node waits for fetch's keep-alive timeout (about 4 s).
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a connection answering keeps it until its answer ends', async () => {
    const { server, drain, held, base } = await drainedServer(10);
    servers.push(server);
    const stream = await fetch(`${base}/stream`);
    const reader = stream.body?.getReader();
    await reader?.read();
    drain.start();
    await tick(100);
    // Still open: the stream is being answered.
    held[0]?.res.write('data: still\n\n');
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe('data: still\n\n');
    held[0]?.res.end();
    expect((await reader?.read())?.done).toBe(true);
    await expect.poll(() => openConnections(server)).toBe(0);
  });

  it('start() is idempotent (one round timer), and the timer ends when the server has closed', async () => {
    const { drain, closed } = await drainedServer(20);
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const clearInterval = vi.spyOn(globalThis, 'clearInterval');
    try {
      drain.start();
      drain.start();
      expect(setInterval).toHaveBeenCalledTimes(1);
      const timer = setInterval.mock.results[0]?.value;
      expect(clearInterval).not.toHaveBeenCalledWith(timer);
      await closed();
      expect(clearInterval).toHaveBeenCalledWith(timer);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a connection just accepted gets a round to send its request: answered (Connection: close), not cut', async () => {
    const { server, drain, held } = await drainedServer(200);
    servers.push(server);
    const accepted = new Promise((resolve) => server.once('connection', resolve));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await accepted;
    drain.start();
    // Within the first round, as a client on a slow link would.
    await tick(50);
    socket.write('GET /late HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await expect.poll(() => held.length).toBe(1);
    held[0]?.res.end('late');
    await socketClosed;
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received.endsWith('late')).toBe(true);
  });
});
