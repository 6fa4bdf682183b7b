import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Draining the server while the app closes, so a shutdown waits for answers in flight but not
 * for clients to hang up their connections.
 *
 * Fastify closes the connections it finds idle once, after its preClose hooks. A connection busy
 * at that moment (a stream ending, a request answered while the hooks ran, by the hot path too)
 * goes back to keep-alive afterwards, and the server then waits until the client closes it:
 * seconds for fetch, for ever for an agent without a timeout. After a client aborted a stream
 * (fetch's AbortController), Node never counts its connection as idle at all. So from the start
 * of the close, every answer carries Connection: close, and every intervalMs each connection
 * that was without an answer in progress at the last round too is closed, until the server has
 * closed. Two rounds, not one: a connection just accepted has no answer yet either, and gets at
 * least intervalMs to send its request (which is then answered, with Connection: close).
 */
export function createDrain(server: Server, intervalMs = 100) {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    // Stryker disable next-line StringLiteral,ArrowFunction: forgetting a closed socket frees its memory; destroying it again at a drain does nothing a client sees.
    socket.once('close', () => sockets.delete(socket));
  });
  let draining = false;
  let timer: NodeJS.Timeout | null = null;
  // Node's own name for the response a connection is answering (closeIdleConnections reads it too).
  const answering = (socket: Socket) => (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  let unanswered = new Set<Socket>();
  const closeUnanswered = () => {
    const now = new Set<Socket>();
    for (const socket of sockets) {
      if (answering(socket)) continue;
      if (unanswered.has(socket)) socket.destroy();
      else now.add(socket);
    }
    unanswered = now;
  };
  const stop = () => {
    clearInterval(timer ?? undefined);
    timer = null;
  };
  return {
    /** Called first for every request: while draining, its answer ends the connection. */
    onRequest(res: ServerResponse): void {
      if (draining) res.setHeader('connection', 'close');
    },
    /** Starts draining (idempotent). */
    start(): void {
      if (draining) return;
      draining = true;
      closeUnanswered();
      timer = setInterval(closeUnanswered, intervalMs);
      timer.unref();
      server.once('close', stop);
    },
    stop,
  };
}
