import type { SidebarClient, SidebarOf, SidebarParams, SubscriptionStatus } from '@sportsbook/sidebar-client';
import { sidebarQuery } from '@sportsbook/sidebar-client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from 'react';

const ClientContext = createContext<SidebarClient | null>(null);

/** Gives useSidebar and <SportsSidebar> below it the client to use (one per application). */
export function SidebarClientProvider({ client, children }: { client: SidebarClient; children?: ReactNode }) {
  return createElement(ClientContext.Provider, { value: client }, children);
}

export function useSidebarClient(): SidebarClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useSidebar needs a <SidebarClientProvider client={createSidebarClient(…)}> above it');
  return client;
}

/** The TanStack Query key of a sidebar: the service and the parameters, as the URL carries them. */
export const sidebarQueryKey = (client: SidebarClient, params: SidebarParams) => ['sidebar', client.url(''), sidebarQuery(params)] as const;

export interface UseSidebarOptions {
  /** Follow the stream (default true); false: fetch once, then as TanStack Query refetches. */
  live?: boolean;
  /** While the stream is unavailable: milliseconds between polls (default 5,000). */
  pollMs?: number;
}

export interface UseSidebarResult<P extends SidebarParams> {
  /** The last sidebar received; kept when the service is unreachable. */
  sidebar: SidebarOf<P> | undefined;
  /** Nothing to show yet (show a skeleton). */
  isLoading: boolean;
  /** The last error, if the last attempt failed. */
  error: Error | null;
  /** What is shown may be out of date: the last fetch failed, or the stream and polling both fail. */
  stale: boolean;
  /** How updates arrive now (the client's SubscriptionStatus); `closed` when not live. */
  status: SubscriptionStatus;
}

/**
 * A sidebar, fetched with TanStack Query (so every component asking for the same parameters
 * shares one request and one cache entry) and kept current by the client's subscription, which
 * writes each new sidebar into that entry.
 */
export function useSidebar<P extends SidebarParams>(params: P, options: UseSidebarOptions = {}): UseSidebarResult<P> {
  const client = useSidebarClient();
  const queryClient = useQueryClient();
  const live = options.live ?? true;
  const queryKey = sidebarQueryKey(client, params);
  const keyText = JSON.stringify(queryKey);
  const query = useQuery({
    queryKey,
    queryFn: ({ signal }) => client.getSidebar({ ...params, signal }),
    // The subscription keeps a live entry current; without it, refetch on focus as usual.
    staleTime: live ? Number.POSITIVE_INFINITY : 0,
  });
  const [status, setStatus] = useState<SubscriptionStatus>(live ? 'connecting' : 'closed');
  const [streamError, setStreamError] = useState<Error | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyText stands for params (a new object each render).
  useEffect(() => {
    if (!live) {
      setStatus('closed');
      return;
    }
    setStatus('connecting');
    const subscription = client.subscribeSidebar(
      params,
      (sidebar) => {
        setStreamError(null);
        queryClient.setQueryData(queryKey, sidebar);
      },
      {
        pollMs: options.pollMs,
        onStatus: setStatus,
        onError: (err) => setStreamError(err instanceof Error ? err : new Error(String(err))),
      },
    );
    return () => subscription.close();
  }, [client, queryClient, keyText, live, options.pollMs]);

  const sidebar = query.data as SidebarOf<P> | undefined;
  const error = query.error ?? (status === 'offline' || status === 'closed' ? streamError : null);
  const stale = sidebar !== undefined && (query.isError || status === 'offline');
  return { sidebar, isLoading: sidebar === undefined && !query.isError, error, stale, status };
}
