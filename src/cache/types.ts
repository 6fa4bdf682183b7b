/**
 * A string key-value cache with TTLs. The Redis backend is shared by every instance; the
 * in-process backend behaves the same within one process. Methods reject when the backend is
 * unreachable, and callers degrade (treat it as a miss) rather than fail.
 */
export interface Cache {
  readonly backend: 'in-process' | 'redis';
  /** Where it points, safe to log. */
  readonly description: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * Counts a hit on `key` in a fixed window: the counter starts at 1 and expires `windowMs` after
   * its first hit. Answers the count and the time left in the window. With Redis, one counter
   * for every instance and worker (fleet-wide limits); in memory, this process's.
   */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /** False while the backend is unreachable. */
  isConnected(): boolean;
  /**
   * Sends a message to the channel's subscribers: with Redis, in every instance; in memory, in
   * this process. Rejects when the backend is unreachable (callers go on: it is a shortcut).
   */
  publish(channel: string, message: string): Promise<void>;
  /** Calls onMessage with every message on the channel until the returned function is called. */
  subscribe(channel: string, onMessage: (message: string) => void): () => Promise<void>;
  /** False while messages published elsewhere may not arrive here (the subscription is down). */
  isSubscribed(): boolean;
  /**
   * How many processes listen on the channel (each subscribes with one connection): with Redis,
   * every instance and worker; in memory, this process. Null where the backend cannot tell
   * (Redis Cluster counts per node). Rejects when the backend is unreachable.
   */
  listeners(channel: string): Promise<number | null>;
  close(): Promise<void>;
}
