import { Sidebar } from './sidebar';
import { sidebarForPage } from './sidebar-data';

// Rendered per request: the HTML carries the sidebar as it is now.
export const dynamic = 'force-dynamic';

export default async function Home() {
  const sidebar = await sidebarForPage();
  return (
    <div style={{ display: 'flex', gap: 24 }}>
      <Sidebar initialData={sidebar} />
      <main style={{ padding: 16 }}>
        <h1>Sportsbook</h1>
        <p>
          {sidebar.totals.game_count} games open, {sidebar.totals.live_game_count} live.
        </p>
      </main>
    </div>
  );
}
