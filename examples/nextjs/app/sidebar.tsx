'use client';

import type { Sidebar as SidebarBody } from '@sportsbook/sidebar-client';
import { SportsSidebar } from '@sportsbook/sidebar-react';

/**
 * The page's sidebar: a client component, so it may give the sidebar functions (the leagues'
 * links); the Server Component above hands it the sidebar it fetched.
 */
export function Sidebar({ initialData, className }: { initialData: SidebarBody; className?: string }) {
  return <SportsSidebar initialData={initialData} className={className} leagueHref={(league) => `/leagues/${encodeURIComponent(league.league_id)}`} />;
}
