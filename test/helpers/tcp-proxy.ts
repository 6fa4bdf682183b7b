import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy for fault tests, in front of a real server (PostgreSQL), with the faults a
 * network and a database host produce:
 * - silenceExisting(): every connection open now goes silent in both directions without
 *   closing (a host that vanishes at a failover), while new connections still reach the server;
 * - cut() / restore(): down (open connections reset, new ones closed at once), then back;
 * - blackhole(): open connections go silent and new ones are accepted but never answered
 *   (a host gone from the network), until restore();
 * - pause() / resume(): nothing is forwarded but nothing is lost (a database stopped with
 *   SIGSTOP, a saturated link); resume() delivers what waited;
 * - resetNew(): new connections are accepted and closed at once (a database restarting), until restore().
 *
 * With closeAfterAnswerMs, a connection is closed once the server has been silent that long
 * after sending, unless the client sent meanwhile: each request (a Prometheus scrape, say) on a
 * connection of its own, as when a load balancer closes idle connections.
 */
export async function startTcpProxy(target: { host: string; port: number }, options: { closeAfterAnswerMs?: number } = {}) {
  const pairs = new Set<[Socket, Socket]>();
  const sockets = new Set<Socket>();
  let mode: 'up' | 'blackhole' | 'paused' | 'reset' = 'up';
  let accepted = 0;
  // Statements sent to the server whose text contains a needle (PostgreSQL's wire protocol
  // carries statement text in the clear on a plain connection).
  const watched = new Map<string, number>();
  const watch = (chunk: Buffer) => {
    for (const [needle, n] of watched) if (chunk.includes(needle)) watched.set(needle, n + 1);
  };

  function forward(pair: [Socket, Socket]): void {
    const [client, upstream] = pair;
    client.pipe(upstream);
    upstream.pipe(client);
  }
  function hold([client, upstream]: [Socket, Socket]): void {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  }

  const server = createServer((client) => {
    accepted++;
    sockets.add(client);
    client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
    if (mode === 'reset') return void client.destroy();
    if (mode === 'blackhole') return void client.pause();
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    sockets.add(upstream);
    pairs.add(pair);
    client.on('data', watch);
    if (mode === 'up') forward(pair);
    else hold(pair);
    const drop = () => {
      pairs.delete(pair);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('error', drop).on('close', drop);
    const { closeAfterAnswerMs } = options;
    if (closeAfterAnswerMs !== undefined) {
      let idle: NodeJS.Timeout | undefined;
      upstream.on('data', () => {
        clearTimeout(idle);
        idle = setTimeout(drop, closeAfterAnswerMs);
      });
      client.on('data', () => clearTimeout(idle));
      client.on('close', () => clearTimeout(idle));
    }
  });
  const listen = (on: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(on, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    pairs.clear();
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    /** Connections accepted so far (each attempt the clients made while the proxy listened). */
    accepted: () => accepted,
    /** Counts, from now on, the packets sent to the server whose statement text contains needle. */
    countStatements(needle: string): () => number {
      watched.set(needle, 0);
      return () => watched.get(needle) ?? 0;
    },
    /** The local ports of the proxy's connections to the server (pg_stat_activity.client_port). */
    upstreamPorts: () => [...pairs].map(([, upstream]) => upstream.localPort),
    silenceExisting(): void {
      for (const pair of pairs) hold(pair);
      pairs.clear(); // silent for good: not forwarded, never closed by the proxy
    },
    async cut(): Promise<void> {
      // The port stays ours (closing it would let another process take it before restore()):
      // new connections are accepted and closed at once, which clients see as the host down.
      mode = 'reset';
      destroyAll();
    },
    blackhole(): void {
      mode = 'blackhole';
      for (const pair of pairs) hold(pair);
      pairs.clear();
    },
    pause(): void {
      mode = 'paused';
      for (const pair of pairs) hold(pair);
    },
    resume(): void {
      mode = 'up';
      for (const pair of pairs) {
        forward(pair);
        pair[0].resume();
        pair[1].resume();
      }
    },
    resetNew(): void {
      mode = 'reset';
    },
    /** Back to forwarding new connections (after cut, blackhole or resetNew; silenced ones stay silent). */
    async restore(): Promise<void> {
      mode = 'up';
    },
    /** Stops listening and destroys every connection, silenced ones included. */
    async close(): Promise<void> {
      destroyAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TcpProxy = Awaited<ReturnType<typeof startTcpProxy>>;
