/**
 * @sportsbook/sidebar-client: the sportsbook sidebar service's API, typed from its contract.
 *
 *   const sidebar = createSidebarClient({ baseUrl: 'https://sidebar.example.com' });
 *   const body = await sidebar.getSidebar({ window: 'live', lang: 'es' });
 *   const subscription = sidebar.subscribeSidebar({ jurisdiction: 'US-NJ' }, (next) => render(next));
 */
import { createHttpClient, fetchOf, type SidebarClientOptions, type SidebarOf, type SidebarParams, sidebarQuery } from './client.js';
import { type SidebarUpdate, type SubscribeOptions, type Subscription, type SubscriptionStatus, subscribeSidebar } from './subscribe.js';

export {
  type GetSidebarOptions,
  type NextFetchOptions,
  SidebarApiError,
  type SidebarClientOptions,
  type SidebarOf,
  type SidebarParams,
  sidebarQuery,
} from './client.js';
export * from './contract.js';
export { applyRegionSidebarDelta, applySidebarDelta } from './delta.js';
export { browserLifecycle, type PageLifecycle, type SidebarUpdate, type SubscribeOptions, type Subscription, type SubscriptionStatus } from './subscribe.js';

/** One stream shared by every subscriber to the same parameters (see subscribeSidebar below). */
interface SharedStream {
  subscription: Subscription;
  subscribers: Set<Subscriber>;
  last: { sidebar: unknown; update: SidebarUpdate } | null;
  status: SubscriptionStatus;
  closing: ReturnType<typeof setTimeout> | null;
}
interface Subscriber {
  onChange: (sidebar: never, update: SidebarUpdate) => void;
  options: SubscribeOptions;
}

export function createSidebarClient(clientOptions: SidebarClientOptions = {}) {
  const http = createHttpClient(clientOptions);
  const streams = new Map<string, SharedStream>();

  return {
    ...http,
    /**
     * Follows a sidebar over the stream (polling when it is unavailable, paused while the page is
     * hidden); onChange gets every new one. Subscriptions to the same parameters share one stream,
     * counted by subscriber: a later one gets the sidebar held at once, and the stream closes
     * when the last one closes (a moment later, so a component that remounts at once, as React's
     * StrictMode does, keeps it). The first subscriber's options (pollMs, initial, lifecycle)
     * open the stream; each subscriber gets its own onChange, onStatus and onError.
     */
    subscribeSidebar<P extends SidebarParams>(
      params: P,
      onChange: (sidebar: SidebarOf<P>, update: SidebarUpdate) => void,
      options: SubscribeOptions = {},
    ): Subscription {
      const key = sidebarQuery(params);
      const subscriber: Subscriber = { onChange: onChange as Subscriber['onChange'], options };
      let shared = streams.get(key);
      if (shared) {
        if (shared.closing) clearTimeout(shared.closing);
        shared.closing = null;
        shared.subscribers.add(subscriber);
        const { last, status } = shared;
        // As the stream would tell it, but after subscribeSidebar returns, as the stream does.
        queueMicrotask(() => {
          if (!shared?.subscribers.has(subscriber)) return;
          options.onStatus?.(status);
          if (last) subscriber.onChange(last.sidebar as never, last.update);
        });
      } else {
        const created: SharedStream = { subscription: null as never, subscribers: new Set([subscriber]), last: null, status: 'connecting', closing: null };
        shared = created;
        streams.set(key, created);
        created.subscription = subscribeSidebar(
          http,
          fetchOf(clientOptions),
          params,
          (sidebar, update) => {
            created.last = { sidebar, update };
            for (const s of created.subscribers) s.onChange(sidebar as never, update);
          },
          {
            pollMs: options.pollMs,
            maxRetryMs: options.maxRetryMs,
            initial: options.initial,
            pauseWhenHidden: options.pauseWhenHidden,
            lifecycle: options.lifecycle,
            onStatus: (status) => {
              created.status = status;
              // Closed by the service (parameters refused): the next subscriber opens a new one.
              if (status === 'closed' && streams.get(key) === created) streams.delete(key);
              for (const s of created.subscribers) s.options.onStatus?.(status);
            },
            onError: (error) => {
              for (const s of created.subscribers) s.options.onError?.(error);
            },
          },
        );
        // A sidebar given as initial is what the stream holds until something newer comes.
        if (options.initial) created.last = { sidebar: options.initial, update: { version: options.initial.version, via: 'stream' } };
      }
      const stream = shared;
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        options.signal?.removeEventListener('abort', close);
        stream.subscribers.delete(subscriber);
        options.onStatus?.('closed');
        if (stream.subscribers.size > 0 || stream.closing) return;
        stream.closing = setTimeout(() => {
          if (stream.subscribers.size > 0) return;
          // Only this stream's entry: a stream the service closed may have been replaced meanwhile.
          if (streams.get(key) === stream) streams.delete(key);
          stream.subscription.close();
        }, 0);
      };
      options.signal?.addEventListener('abort', close, { once: true });
      return {
        close,
        get status() {
          return closed ? 'closed' : stream.status;
        },
      };
    },
    /** How many streams this client holds open (one per set of parameters subscribed to). */
    openStreams: () => streams.size,
  };
}

export type SidebarClient = ReturnType<typeof createSidebarClient>;
