'use client';

import { createSidebarClient } from '@sportsbook/sidebar-client';
import { SidebarClientProvider } from '@sportsbook/sidebar-react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';

/**
 * The browser's side: one TanStack Query client and one sidebar client per tab, talking to the
 * service's public URL (the service allows this page's origin through CORS_ORIGINS).
 */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient());
  const [client] = useState(() => createSidebarClient({ baseUrl: process.env.NEXT_PUBLIC_SIDEBAR_API_URL }));
  return (
    <QueryClientProvider client={queryClient}>
      <SidebarClientProvider client={client}>{children}</SidebarClientProvider>
    </QueryClientProvider>
  );
}
