import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/*
 * /metrics for the whole instance when WEB_CONCURRENCY runs several workers: the connections
 * (a Prometheus scrape among them) go to any worker, so the worker that is asked has the
 * primary gather every worker's registry (prom-client's cluster aggregation: counters and
 * histograms summed, each gauge by its own aggregator) and answers with that. Otherwise each
 * scrape would see one worker at random: counters that seem to reset, a scheduler that flaps.
 */

const request = 'sidebar:metrics-request';
const reply = 'sidebar:metrics-reply';
/** prom-client gives up on workers after 5 s; the worker waits a little longer for the primary's answer. */
const deadlineMs = 6000;

interface Reply {
  type: typeof reply;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers workers' requests for the instance's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== request) return;
    const answer = (body: Omit<Reply, 'type' | 'id'>) => {
      // A worker that died meanwhile cannot be answered.
      if (worker.isConnected()) worker.send({ type: reply, id: message.id, ...body });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (err: Error) => answer({ error: err.message }),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's aggregation, and returns how to get the
 * instance's metrics (every worker's, aggregated). Null outside a worker: the registry is the
 * instance's.
 */
export function clusterMetricsSource(registry: Registry): (() => Promise<string>) | null {
  if (!cluster.isWorker) return null;
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs the worker's side: it answers the primary's collection requests.
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: Reply) => {
    if (message?.type !== reply) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.error !== undefined || message.text === undefined) waiting.reject(new Error(message.error ?? 'no metrics'));
    else waiting.resolve(message.text);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the primary did not gather the workers' metrics within ${deadlineMs} ms`));
      }, deadlineMs);
      pending.set(id, { resolve, reject, timer });
      process.send?.({ type: request, id });
    });
}
