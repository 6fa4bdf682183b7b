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

/**
 * The TanStack Query key of a sidebar: its parameters, as the URL carries them. Not the service's
 * URL: a server that fetched through an internal address hydrates the browser's entry all the same.
 */
export const sidebarQueryKey = (params: SidebarParams) => ['sidebar', sidebarQuery(params)] as const;

export interface UseSidebarOptions<P extends SidebarParams = SidebarParams> {
  /** Follow the stream (default true); false: fetch once, then as TanStack Query refetches. */
  live?: boolean;
  /** While the stream is unavailable: milliseconds between polls (default 5,000). */
  pollMs?: number;
  /**
   * The sidebar fetched on the server (getSidebar in a Server Component): rendered at once, in
   * the server's HTML too, and the stream opens from its version, so nothing is fetched again.
   */
  initialData?: SidebarOf<P>;
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
 * A sidebar in TanStack Query's cache (every component asking for the same parameters shares
 * one entry). Live (the default), it comes from the client's subscription, which every such
 * component shares too: one stream per set of parameters, whose first event fills the entry, or,
 * when the entry already holds a sidebar (server-rendered, or left by an earlier mount), which
 * resumes from that sidebar's version and sends only what is newer. Not live, a GET.
 */
export function useSidebar<P extends SidebarParams>(params: P, options: UseSidebarOptions<P> = {}): UseSidebarResult<P> {
  const client = useSidebarClient();
  const queryClient = useQueryClient();
  const live = options.live ?? true;
  const queryKey = sidebarQueryKey(params);
  const keyText = queryKey[1];
  const query = useQuery({
    queryKey,
    queryFn: ({ signal }) => client.getSidebar({ ...params, signal }),
    // Live, the subscription fills and keeps the entry: no GET of its own.
    enabled: !live,
    initialData: options.initialData,
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
    const subscription = client.subscribeSidebar(
      params,
      (sidebar) => {
        setStreamError(null);
        queryClient.setQueryData(queryKey, sidebar);
      },
      {
        pollMs: options.pollMs,
        // What the entry holds already (server-rendered, or an earlier mount's) is where the stream resumes.
        initial: queryClient.getQueryData<SidebarOf<P>>(queryKey) ?? null,
        onStatus: setStatus,
        onError: (err) => setStreamError(err instanceof Error ? err : new Error(String(err))),
      },
    );
    return () => subscription.close();
  }, [client, queryClient, keyText, live, options.pollMs]);

  const sidebar = query.data as SidebarOf<P> | undefined;
  const error = query.error ?? (status === 'offline' || status === 'closed' ? streamError : null);
  const stale = sidebar !== undefined && (query.isError || status === 'offline');
  return { sidebar, isLoading: sidebar === undefined && error === null, error, stale, status };
}
