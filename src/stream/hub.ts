import type { ServerResponse } from 'node:http';
import type { DeltaVersions } from '../contract/index.js';
import { sidebarDelta } from './delta.js';

/** The delta from one version's body (parsed) to the next's, as the `delta` event sends it. */
// biome-ignore lint/suspicious/noExplicitAny: each stream's bodies are of its own shape (Sidebar, RegionSidebar), and so is its delta function.
export type DeltaOf = (prev: any, next: any) => object;

/**
 * An event as it goes on the wire, built once for every client: as an HTTP/1.1 chunk (the
 * stream's usual framing) and bare (an HTTP/1.0 client, whose stream ends at close).
 */
interface Frame {
  chunked: Buffer;
  plain: Buffer;
}

/** A version as the stream knows it: its body (parsed once) and the delta from the one before. */
interface StreamVersion {
  version: number;
  etag: string;
  sidebar: unknown;
  /** The `sidebar` event: the whole body, for clients that connect (shared, not copied per client). */
  fullFrame: Frame;
  /** The `delta` event from the previous version. */
  deltaFrame: Frame | null;
  from: number | null;
}

export interface StreamHubOptions {
  maxClients: number;
  /** A client whose unsent bytes pass this is dropped (it reconnects with Last-Event-ID). */
  maxBufferedBytes: number;
  /** Writes made before the event loop gets a turn (other requests, the next batch after them). Default 1,000. */
  batchSize?: number;
  /** Or fewer: a batch also ends once it has taken this long (ms). Default 5. */
  sliceMs?: number;
  /** The clock the slice is measured with (tests pass their own). */
  now?: () => number;
  /** The delta between two bodies: sidebarDelta (the default) for a sidebar, regionSidebarDelta for group=region. */
  delta?: DeltaOf;
}

function toFrame(text: string): Frame {
  const plain = Buffer.from(text);
  return { plain, chunked: Buffer.concat([Buffer.from(`${plain.length.toString(16)}\r\n`), plain, Buffer.from('\r\n')]) };
}
const frame = (event: string, id: number, data: string) => toFrame(`event: ${event}\nid: ${id}\ndata: ${data}\n\n`);
const keepAlive = toFrame(': keep-alive\n\n');

/**
 * The clients of GET /sidebar/stream in this process. Each new version's delta is computed and
 * framed once, then written to every client; a client that cannot keep up (its socket buffer
 * past maxBufferedBytes) is dropped rather than let memory grow.
 *
 * Frames go to the client's socket, already chunk-encoded, not through ServerResponse.write():
 * that encodes and corks per call (about 20 µs), which at tens of thousands of clients holds the
 * event loop for a second per version. The response's headers are written (writeHead and a
 * first write) before a client is added; ServerResponse.end() later writes the last chunk.
 *
 * A socket write still costs microseconds (the kernel's work), so an event for every client is
 * written in batches, the event loop served in between: GET requests wait for one batch, not for
 * fifty thousand writes. A batch is batchSize writes or sliceMs, whichever comes first: on a
 * machine whose cores are shared (workers, other processes) 1,000 writes took 20-40 ms, and a
 * request that needs a few turns (a connection handed over by the primary, then its request
 * read) waited about 170 ms at p99 during a fan-out to 50,000 clients. Events queue in order, so
 * every client receives them in the order they were published.
 */
export function createStreamHub(options: StreamHubOptions) {
  const clients = new Set<ServerResponse>();
  const batchSize = options.batchSize ?? 1000;
  const sliceMs = options.sliceMs ?? 5;
  const now = options.now ?? performance.now.bind(performance);
  const delta: DeltaOf = options.delta ?? sidebarDelta;
  let current: StreamVersion | null = null;
  let dropped = 0;
  /** Events being written to every client: each with the clients it was for and how far it got. */
  const queue: Array<{ frame: Frame; targets: ServerResponse[]; next: number }> = [];
  let draining = false;

  function write(res: ServerResponse, frame: Frame): void {
    const { socket } = res;
    if (!socket) return; // gone: its 'close' removes it
    socket.write(res.chunkedEncoding ? frame.chunked : frame.plain);
    if (socket.writableLength > options.maxBufferedBytes) {
      dropped++;
      clients.delete(res);
      res.destroy();
    }
  }

  /** Writes an event to every client connected now, in batches, after the events before it. */
  function fanOut(frame: Frame): void {
    // Stryker disable next-line ConditionalExpression: a shortcut; an event for no client is queued and dropped at once.
    if (clients.size === 0) return;
    queue.push({ frame, targets: [...clients], next: 0 });
    if (!draining) drain();
  }

  function drain(): void {
    draining = true;
    let budget = batchSize;
    const until = now() + sliceMs;
    for (let job = queue[0]; job; job = queue[0]) {
      while (job.next < job.targets.length && budget > 0) {
        const res = job.targets[job.next++] as ServerResponse;
        // Gone or dropped since: skipped.
        if (clients.has(res)) {
          write(res, job.frame);
          if (now() >= until) budget = 0;
        }
        budget--;
      }
      if (job.next < job.targets.length) {
        setImmediate(drain);
        return;
      }
      queue.shift();
    }
    draining = false;
  }

  return {
    /** Whether another client may connect. */
    hasRoom: () => clients.size < options.maxClients,

    /**
     * Adds a client and sends what it lacks: nothing when it holds the current version, the
     * last delta when it is one version behind, the whole sidebar otherwise.
     */
    add(res: ServerResponse, lastEventId: number | null): void {
      clients.add(res);
      res.on('close', () => clients.delete(res));
      if (!current) return;
      if (lastEventId === current.version) return;
      // (from is null exactly when there is no delta: the first version this hub learnt.)
      if (current.deltaFrame && lastEventId === current.from) write(res, current.deltaFrame);
      else write(res, current.fullFrame);
    },

    /** A new version: its delta from the last one is framed once and sent to every client. */
    publish(version: number, etag: string, body: string): void {
      if (current && version <= current.version) return;
      const sidebar: unknown = JSON.parse(body);
      const previous = current;
      let deltaFrame: Frame | null = null;
      if (previous) {
        const versions: DeltaVersions = { from: previous.version, to: version, etag };
        deltaFrame = frame('delta', version, JSON.stringify({ ...versions, ...delta(previous.sidebar, sidebar) }));
      }
      const fullFrame = frame('sidebar', version, body);
      current = { version, etag, sidebar, fullFrame, deltaFrame, from: previous?.version ?? null };
      const news = deltaFrame ?? fullFrame;
      fanOut(news);
    },

    /** A comment line, so proxies and load balancers keep idle streams open. */
    heartbeat(): void {
      fanOut(keepAlive);
    },

    /** Ends every stream (shutdown): clients reconnect, to another instance. */
    closeAll(): void {
      queue.length = 0;
      for (const res of clients) res.end();
      clients.clear();
    },

    state: () => ({ clients: clients.size, dropped, version: current?.version ?? null }),
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
