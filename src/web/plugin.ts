import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

/** Where the built pages are (packages/demo/dist, built by npm install), or null when they are not built. */
export function builtPages(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@sportsbook/sidebar-demo/package.json')), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/**
 * The pages the service serves to people: the demo sidebar at / and the operator dashboard at
 * /admin (packages/demo; the dashboard asks for the admin token, and its data comes from the
 * admin API like any client's). Static files
 * built at install: the HTML is read once and sent with no-cache (it names the current assets),
 * the assets, named by their content's hash, are immutable. Off with WEB_PAGES_ENABLED=false;
 * when they are not built the service runs without them and says so once.
 */
export const webPlugin = fp(
  async (app, options: { enabled: boolean }) => {
    if (!options.enabled) return;
    const dir = builtPages();
    if (!dir) {
      app.log.warn('the demo page and dashboard are not built (npm install builds them): / and /admin answer 404');
      return;
    }
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
    });
    const pages = { '/': readFileSync(join(dir, 'index.html')), '/admin': readFileSync(join(dir, 'admin.html')) };
    for (const [url, html] of Object.entries(pages)) {
      app.get(url, { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html));
    }
  },
  { name: 'web', fastify: '5.x' },
);
