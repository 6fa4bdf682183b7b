import * as client from '@sportsbook/sidebar-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as contract from '../../../src/contract/index.js';

/**
 * The client's types and constants are generated from the contract at build time
 * (packages/client/scripts/contract-types.ts). tsc --noEmit (npm run typecheck) checks the type
 * assertions below: a type that drifts fails CI there.
 */
describe('the typed client and the contract', () => {
  it('has the contract’s types, field for field', () => {
    expectTypeOf<client.League>().toEqualTypeOf<contract.League>();
    expectTypeOf<client.Sport>().toEqualTypeOf<contract.Sport>();
    expectTypeOf<client.Region>().toEqualTypeOf<contract.Region>();
    expectTypeOf<client.RegionSport>().toEqualTypeOf<contract.RegionSport>();
    expectTypeOf<client.Sidebar>().toEqualTypeOf<contract.Sidebar>();
    expectTypeOf<client.RegionSidebar>().toEqualTypeOf<contract.RegionSidebar>();
    expectTypeOf<client.SidebarDelta>().toEqualTypeOf<contract.SidebarDelta>();
    expectTypeOf<client.RegionSidebarDelta>().toEqualTypeOf<contract.RegionSidebarDelta>();
    expectTypeOf<client.DeltaVersions>().toEqualTypeOf<contract.DeltaVersions>();
    expectTypeOf<client.RefreshLog>().toEqualTypeOf<contract.RefreshLog>();
    expectTypeOf<client.Stats>().toEqualTypeOf<contract.Stats>();
    expectTypeOf<client.ImportResult>().toEqualTypeOf<contract.ImportResult>();
    expectTypeOf<client.ErrorBody>().toEqualTypeOf<contract.ErrorBody>();
    expectTypeOf<client.SidebarWindow>().toEqualTypeOf<contract.SidebarWindow>();
    expectTypeOf<client.FeedFormat>().toEqualTypeOf<contract.FeedFormat>();
  });

  it('has the contract’s paths and lists of values', () => {
    expect(client.paths).toEqual(contract.paths);
    expect(client.sidebarWindows).toEqual(contract.sidebarWindows);
    expect(client.sidebarGroups).toEqual(contract.sidebarGroups);
    expect(client.feedFormats).toEqual(contract.feedFormats);
  });
});
