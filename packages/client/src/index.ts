/**
 * @sportsbook/sidebar-client: the sportsbook sidebar service's API, typed from its contract.
 *
 *   const sidebar = createSidebarClient({ baseUrl: 'https://sidebar.example.com' });
 *   const body = await sidebar.getSidebar({ window: 'live', lang: 'es' });
 *   const subscription = sidebar.subscribeSidebar({ jurisdiction: 'US-NJ' }, (next) => render(next));
 */
import { createHttpClient, fetchOf, type SidebarClientOptions, type SidebarOf, type SidebarParams } from './client.js';
import { type SidebarUpdate, type SubscribeOptions, type Subscription, subscribeSidebar } from './subscribe.js';

export { SidebarApiError, type SidebarClientOptions, type SidebarOf, type SidebarParams, sidebarQuery } from './client.js';
export * from './contract.js';
export { applyRegionSidebarDelta, applySidebarDelta } from './delta.js';
export type { SidebarUpdate, SubscribeOptions, Subscription, SubscriptionStatus } from './subscribe.js';

export function createSidebarClient(clientOptions: SidebarClientOptions = {}) {
  const http = createHttpClient(clientOptions);
  return {
    ...http,
    /** Follows a sidebar over the stream (polling when it is unavailable); onChange gets every new one. */
    subscribeSidebar<P extends SidebarParams>(
      params: P,
      onChange: (sidebar: SidebarOf<P>, update: SidebarUpdate) => void,
      options?: SubscribeOptions,
    ): Subscription {
      return subscribeSidebar(http, fetchOf(clientOptions), params, onChange, options);
    },
  };
}

export type SidebarClient = ReturnType<typeof createSidebarClient>;
