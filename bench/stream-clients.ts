/**
 * The client side of `npm run bench:stream`, a process of its own (forked by bench/stream.ts
 * with IPC): holds many idle Server-Sent Events connections to one instance and notes when
 * each receives each delta. Raw sockets, not an EventSource implementation: what is measured is
 * the server's delivery, so a client costs as little as possible (a request written once, each
 * chunk scanned for `event: delta` ids).
 *
 * Messages from the parent: {type: 'open', port, total, addresses} opens connections until
 * `total` are open (spread over the 127.0.0.x source addresses: one address has about 28k
 * ephemeral ports); {type: 'collect', version, since, timeoutMs} waits until every client has
 * that version's delta (or the deadline) and answers with the delivery latencies.
 */
import { connect, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

type Message =
  | { type: 'open'; port: number; total: number; addresses: string[]; path: string }
  | { type: 'collect'; version: number; since: number; timeoutMs: number }
  | { type: 'exit' };

const now = () => performance.timeOrigin + performance.now();
const sockets: Socket[] = [];
/** Per version: when each client received its delta (epoch ms, fractional). */
const received = new Map<number, number[]>();
let ready = 0;
let failed = 0;
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

const deltaMarker = 'event: delta\nid: ';

function open(port: number, path: string, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let greeted = false;
    // The end of the previous chunk, so a marker split across two chunks is still found.
    let tail = '';
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      const at = now();
      const text = tail + chunk;
      if (!greeted) {
        if (text.includes('event: sidebar\n')) {
          greeted = true;
          ready++;
          resolve();
        } else if (/^HTTP\/1\.1 [^2]/.test(text)) {
          failed++;
          socket.destroy();
          resolve();
          return;
        }
      }
      for (let i = text.indexOf(deltaMarker); i >= 0; i = text.indexOf(deltaMarker, i + 1)) {
        const end = text.indexOf('\n', i + deltaMarker.length);
        if (end < 0) break; // the id continues in the next chunk (kept in tail)
        const version = Number(text.slice(i + deltaMarker.length, end));
        const times = received.get(version);
        if (times) times.push(at);
        else received.set(version, [at]);
      }
      tail = text.slice(-64);
    });
    socket.on('error', () => {
      if (!greeted) failed++;
      resolve();
    });
    socket.on('close', () => {
      if (greeted) ready--;
    });
    sockets.push(socket);
  });
}

async function openMany(port: number, path: string, total: number, addresses: string[]): Promise<void> {
  const concurrency = 256;
  let next = sockets.length;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await open(port, path, addresses[i % addresses.length] as string);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const cpuAtStart = process.cpuUsage();
const wallAtStart = performance.now();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();

process.on('message', async (message: Message) => {
  if (message.type === 'open') {
    const started = performance.now();
    await openMany(message.port, message.path, message.total, message.addresses);
    process.send?.({ type: 'opened', ready, failed, ms: performance.now() - started });
    cpuMark = process.cpuUsage();
    wallMark = performance.now();
    lag.reset();
  } else if (message.type === 'collect') {
    const deadline = performance.now() + message.timeoutMs;
    while ((received.get(message.version)?.length ?? 0) < ready && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const times = received.get(message.version) ?? [];
    received.delete(message.version);
    const cpu = process.cpuUsage(cpuMark);
    process.send?.({
      type: 'collected',
      latencies: times.map((t) => t - message.since),
      ready,
      // This process's CPU since the clients were open: it must have headroom, or its own delay is measured.
      cpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallMark)) * 100,
      lagP99Ms: lag.percentile(99) / 1e6,
    });
  } else if (message.type === 'exit') {
    for (const socket of sockets) socket.destroy();
    const cpu = process.cpuUsage(cpuAtStart);
    process.send?.({ type: 'bye', cpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallAtStart)) * 100 });
    process.disconnect?.();
  }
});
