import type { ServerResponse } from 'node:http';

/**
 * Who holds the stream slots, by client address, and who gets one. No address may hold more
 * than its share (`perAddress`). When every slot is taken, a newcomer gets one if some address
 * holds more than the newcomer would after joining: that address's newest stream is ended to
 * make room (its client reconnects, elsewhere or later); otherwise the newcomer is refused.
 * So one address cannot keep other addresses out, however early it came.
 */
export function createSlotPolicy(options: { max: number; perAddress: number }) {
  const byAddress = new Map<string, Set<ServerResponse>>();
  let held = 0;
  return {
    /**
     * What to do with a new stream from `address`: admit it, admit it after ending `evict`, or
     * refuse it (address: this address holds its share; full: no address holds more than it would).
     */
    decide(address: string): { admit: true; evict: ServerResponse | null } | { admit: false; reason: 'address' | 'full' } {
      const own = byAddress.get(address)?.size ?? 0;
      if (held < options.max) return own >= options.perAddress ? { admit: false, reason: 'address' } : { admit: true, evict: null };
      // Full. (An address that holds every slot is told the instance is full: another may have room.)
      let top: Set<ServerResponse> | null = null;
      for (const streams of byAddress.values()) if (!top || streams.size > top.size) top = streams;
      // Stryker disable next-line ConditionalExpression: with every slot held, some address holds one; the check is for the types.
      if (!top || top.size <= own + 1) return { admit: false, reason: 'full' };
      // The newest stream (a Set keeps the order they joined in) of the largest holder (the
      // first to arrive among those holding as many). The
      // newcomer is below its share here: it holds less than the largest, which holds no more than a share.
      return { admit: true, evict: [...top].at(-1) as ServerResponse };
    },
    /** Counts `res` as held by `address` until it closes. */
    hold(address: string, res: ServerResponse): void {
      let streams = byAddress.get(address);
      if (!streams) {
        streams = new Set();
        byAddress.set(address, streams);
      }
      streams.add(res);
      held++;
      res.once('close', () => {
        held--;
        streams.delete(res);
        // An address's set is made with its first stream and dropped with its last.
        if (streams.size === 0) byAddress.delete(address);
      });
    },
    state: () => ({ held, addresses: byAddress.size }),
  };
}

export type SlotPolicy = ReturnType<typeof createSlotPolicy>;
