/**
 * Every valid variant URL of the sidebar, for the hostile client of the benchmark (bench/abuse.ts)
 * and of the fault suite: a client cycling through them is what the cold budget is for.
 */
const windows = ['all', 'live', 'next_24h', 'today'] as const;
/** The languages the service has names in (migration 014), and one it has none in. */
const languages = ['en', 'es', 'pt-BR', 'de', 'fr'];
/** Every jurisdiction migration 015 configures, and none. */
const jurisdictions = [null, 'US-NJ', 'US-PA', 'FR', 'GB'];

/**
 * Every valid variant URL of `path`: each window (today in every zone this runtime knows), with
 * and without group=region, in each language, in each jurisdiction and none: about 21,000.
 */
export function everyVariantUrl(path: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  const urls: string[] = [];
  for (const window of windows)
    for (const tz of window === 'today' ? zones : [null])
      for (const group of [null, 'region'])
        for (const lang of languages)
          for (const jurisdiction of jurisdictions) {
            const query = new URLSearchParams({ window, ...(tz ? { tz } : {}), ...(group ? { group } : {}), lang, ...(jurisdiction ? { jurisdiction } : {}) });
            urls.push(`${path}?${query}`);
          }
  return urls;
}
