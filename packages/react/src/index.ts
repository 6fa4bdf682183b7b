'use client';

/**
 * @sportsbook/sidebar-react: the sportsbook sidebar in React. A client module ('use client'):
 * Server Components render <SportsSidebar> and pass it what they fetched as initialData.
 *
 *   const client = createSidebarClient({ baseUrl: process.env.NEXT_PUBLIC_SIDEBAR_API_URL });
 *   <QueryClientProvider client={queryClient}>
 *     <SidebarClientProvider client={client}>
 *       <SportsSidebar params={{ window: 'live', lang: 'es' }} onSelectLeague={…} />
 */
export { defaultLabels, type SidebarLabels, SportsSidebar, type SportsSidebarProps } from './sports-sidebar.js';
export { SidebarClientProvider, sidebarQueryKey, type UseSidebarOptions, type UseSidebarResult, useSidebar, useSidebarClient } from './use-sidebar.js';
