import { Sidebar } from '../sidebar';
import { sidebarForPage } from '../sidebar-data';

export const dynamic = 'force-dynamic';

/** A desktop sidebar and a mobile drawer on one page: one stream between them. */
export default async function TwoSidebars() {
  const sidebar = await sidebarForPage();
  return (
    <div style={{ display: 'flex', gap: 24 }}>
      <Sidebar initialData={sidebar} className="desktop" />
      <Sidebar initialData={sidebar} className="drawer" />
    </div>
  );
}
