/** The API's paths, written once. */
export const paths = {
  sidebar: '/api/v1/shared/sidebar',
  refresh: '/api/v1/shared/sidebar/refresh',
  stats: '/api/v1/shared/sidebar/stats',
  stream: '/api/v1/shared/sidebar/stream',
  events: '/api/v1/shared/events',
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
} as const;
