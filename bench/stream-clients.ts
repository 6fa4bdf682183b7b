/**
 * The client side of `npm run bench:stream`, a process of its own (forked by bench/stream.ts
 * with IPC): holds many idle Server-Sent Events connections to one instance and notes when
 * each receives each delta. Raw sockets, not an EventSource implementation: what is measured is
 * the server's delivery, so a client costs as little as possible (a request written once, each
 * read scanned in place for `event: delta` ids).
 *
 * Messages from the parent: {type: 'open', port, total, addresses} opens connections until
 * `total` are open (spread over the 127.0.0.x source addresses: one address has about 28k
 * ephemeral ports); {type: 'collect', version, since, timeoutMs} waits until every client has
 * that version's delta (or the deadline) and answers with the delivery latencies and the CPU
 * this process used meanwhile.
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

// Every socket reads into this one buffer (net's `onread`): a read is handed to its callback
// in place, with no stream, no Buffer per read and no string decoding. A client's work is
// charged to the same two cores as the server's, so it must cost as little as it can: with a
// stream and latin1 strings per read, the three client processes took about as much CPU during
// a fan-out to 50,000 clients as the workers did.
const readBuffer = Buffer.alloc(64 * 1024);
const greeting = Buffer.from('event: sidebar\n');
const deltaMarker = Buffer.from('event: delta\nid: ');
const refused = /^HTTP\/1\.1 [^2]/;
/** Kept from the end of a read, so a marker split across two reads is still found. */
const tailBytes = 64;

function open(port: number, path: string, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    let greeted = false;
    let tail: Buffer | null = null;
    const onRead = (nread: number, buffer: Buffer): boolean => {
      const at = now();
      const read = buffer.subarray(0, nread);
      const text = tail ? Buffer.concat([tail, read]) : read;
      if (!greeted) {
        if (text.includes(greeting)) {
          greeted = true;
          ready++;
          resolve();
        } else if (refused.test(text.toString('latin1', 0, 10))) {
          failed++;
          socket.destroy();
          resolve();
          return false;
        }
      }
      for (let i = text.indexOf(deltaMarker); i >= 0; i = text.indexOf(deltaMarker, i + 1)) {
        const from = i + deltaMarker.length;
        const end = text.indexOf(10, from);
        if (end < 0) break; // the id continues in the next read (kept in tail)
        const version = Number(text.toString('latin1', from, end));
        const times = received.get(version);
        if (times) times.push(at);
        else received.set(version, [at]);
      }
      // A copy: the read buffer is every socket's, and the next read overwrites it.
      tail = Buffer.from(text.subarray(Math.max(0, text.length - tailBytes)));
      return true;
    };
    const socket = connect({ port, host: '127.0.0.1', localAddress, onread: { buffer: readBuffer, callback: onRead } });
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
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

process.on('message', async (message: Message) => {
  if (message.type === 'open') {
    const started = performance.now();
    await openMany(message.port, message.path, message.total, message.addresses);
    process.send?.({ type: 'opened', ready, failed, ms: performance.now() - started });
    lag.reset();
  } else if (message.type === 'collect') {
    // This process's CPU while the delta reaches its clients: it must have headroom, or its own delay is measured.
    const cpuMark = process.cpuUsage();
    const wallMark = performance.now();
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
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - wallMark,
      lagP99Ms: lag.percentile(99) / 1e6,
    });
  } else if (message.type === 'exit') {
    for (const socket of sockets) socket.destroy();
    const cpu = process.cpuUsage(cpuAtStart);
    process.send?.({ type: 'bye', cpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallAtStart)) * 100 });
    process.disconnect?.();
  }
});
