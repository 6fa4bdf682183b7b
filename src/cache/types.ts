/**
 * A string key-value cache with TTLs. The Redis backend is shared by every instance; the
 * memory backend behaves the same within one process. Methods reject when the backend is
 * unreachable, and callers degrade (treat it as a miss) rather than fail.
 */
export interface Cache {
  readonly backend: 'memory' | 'redis';
  /** Where it points, safe to log. */
  readonly description: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** False while the backend is unreachable. */
  isConnected(): boolean;
  close(): Promise<void>;
}
