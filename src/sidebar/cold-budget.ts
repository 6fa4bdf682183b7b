/**
 * The budget for cold work: the CPU time this process spends answering sidebar variants it does
 * not keep (deriving a variant, and the routing a URL the hot path does not know costs). Kept
 * variants are answered from their bytes and never wait on it; the plain sidebar never reaches
 * it. A client cycling through every valid variant URL would otherwise spend the whole event
 * loop on derivations while everyone else's answers queue behind them.
 *
 * Two token buckets, in milliseconds of CPU, refilled continuously: the process's, `msPerSecond`
 * a second (so at most that share of one core goes to cold work, whoever asks), and one per
 * client address, a quarter of it, so one address (a crawler, a script, every tab behind one
 * NAT) cannot take the process's whole budget. A request admitted spends what its work took,
 * measured after the fact: a bucket may go below zero once, and then admits nothing until it
 * has refilled past zero. Refusals are immediate (no queue to wait in, so no order to keep):
 * the client is told when to come back.
 */
export interface ColdBudgetOptions {
  /** Milliseconds of cold work the process allows itself per second (and may have saved up: one second's worth). */
  msPerSecond: number;
  /** Addresses remembered at most; beyond, the longest-idle ones are forgotten (a flood of addresses must not grow memory). */
  maxAddresses?: number;
  now?: () => number;
}

export type ColdAdmission = { ok: true } | { ok: false; scope: 'process' | 'address'; retryAfterSeconds: number };

/** What a refused client is told, by the budget that refused it (the route's 503 and 429, the hot path's 429). */
export const coldRefusalMessages = {
  address:
    'This address asked for more uncommon sidebar variants than the service builds for one client; retry later (the plain sidebar and the variants in use are served meanwhile)',
  process:
    'This instance is building as many uncommon sidebar variants as it may; retry later (the plain sidebar and the variants in use are served meanwhile)',
} as const;

interface Bucket {
  tokens: number;
  at: number;
}

/** An address's share of the process's budget. */
export const addressShare = 0.25;

export function createColdBudget(options: ColdBudgetOptions) {
  const now = options.now ?? (() => performance.now());
  const maxAddresses = options.maxAddresses ?? 10_000;
  const processCapacity = options.msPerSecond;
  const addressCapacity = options.msPerSecond * addressShare;
  const processBucket: Bucket = { tokens: processCapacity, at: now() };
  // Map order is insertion order: touching an address moves it to the end, so the first is the longest idle.
  const addresses = new Map<string, Bucket>();

  /** The bucket topped up for the time since it was last seen; the rate is capacity per second for both. */
  function refill(bucket: Bucket, capacity: number): Bucket {
    const at = now();
    bucket.tokens = Math.min(capacity, bucket.tokens + ((at - bucket.at) / 1000) * capacity);
    bucket.at = at;
    return bucket;
  }

  function addressBucket(address: string): Bucket {
    let bucket = addresses.get(address);
    if (bucket) {
      addresses.delete(address);
    } else {
      bucket = { tokens: addressCapacity, at: now() };
      if (addresses.size >= maxAddresses) addresses.delete(addresses.keys().next().value as string);
    }
    addresses.set(address, bucket);
    return refill(bucket, addressCapacity);
  }

  /** Seconds until a bucket of this capacity, now at `tokens`, is above zero again (at least 1: Retry-After is in whole seconds). */
  const secondsUntilPositive = (tokens: number, capacity: number) => Math.max(1, Math.ceil(-tokens / capacity));

  return {
    /** Whether `address` may do cold work now; if not, which budget is spent and when to come back. */
    admit(address: string): ColdAdmission {
      const own = addressBucket(address);
      if (own.tokens <= 0) return { ok: false, scope: 'address', retryAfterSeconds: secondsUntilPositive(own.tokens, addressCapacity) };
      const shared = refill(processBucket, processCapacity);
      if (shared.tokens <= 0) return { ok: false, scope: 'process', retryAfterSeconds: secondsUntilPositive(shared.tokens, processCapacity) };
      return { ok: true };
    },

    /** Records `ms` of cold work done for `address`, taken from both buckets. */
    spend(address: string, ms: number): void {
      addressBucket(address).tokens -= ms;
      refill(processBucket, processCapacity).tokens -= ms;
    },

    /**
     * Seconds until `address` may do cold work again, 0 when it may now: an address that has
     * spent its share has its cold URLs refused before any routing (hot-path.ts).
     */
    retryAfter(address: string): number {
      const bucket = addresses.get(address);
      if (!bucket) return 0;
      const { tokens } = refill(bucket, addressCapacity);
      return tokens > 0 ? 0 : secondsUntilPositive(tokens, addressCapacity);
    },

    state: () => ({
      ms_per_second: processCapacity,
      available_ms: Math.round(refill(processBucket, processCapacity).tokens * 10) / 10,
      addresses: addresses.size,
    }),
  };
}

export type ColdBudget = ReturnType<typeof createColdBudget>;
