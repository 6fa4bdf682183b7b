import { createSidebarClient } from '@sportsbook/sidebar-client';

/** The server's side: the service's internal URL (SIDEBAR_API_URL), never sent to browsers. */
const server = createSidebarClient({ baseUrl: process.env.SIDEBAR_API_URL ?? process.env.NEXT_PUBLIC_SIDEBAR_API_URL });

/**
 * The sidebar for a page being rendered, through Next.js's data cache (a second at most, tag
 * `sidebar` for on-demand revalidation): the stream brings anything newer to the browser.
 */
export function sidebarForPage() {
  return server.getSidebar({ next: { revalidate: 1, tags: ['sidebar'] } });
}
