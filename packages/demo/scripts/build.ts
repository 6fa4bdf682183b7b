/**
 * Builds the pages the service serves into dist/: each page's script and styles bundled by
 * esbuild (React, TanStack Query, the client and the component inside; nothing fetched from a
 * CDN at runtime), and its HTML. Run by `npm install` (the root's prepare), after the packages
 * it bundles.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const out = join(root, 'dist');
const pages = [
  { name: 'index', entry: 'src/demo.tsx', title: 'Sportsbook sidebar: demo' },
  { name: 'admin', entry: 'src/admin.tsx', title: 'Sidebar operations' },
];

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: Object.fromEntries(pages.map((p) => [p.name, join(root, p.entry)])),
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs);
const asset = (path: string) => path.slice(path.indexOf('assets/'));
for (const page of pages) {
  // A page's script, and the stylesheet esbuild bundled from the CSS it imports.
  const [path, output] = outputs.find(([, o]) => o.entryPoint === page.entry) ?? [];
  if (!path || !output?.cssBundle) throw new Error(`esbuild wrote no script and stylesheet for ${page.entry}`);
  const script = asset(path);
  const css = asset(output.cssBundle);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<link rel="stylesheet" href="/${css}">
<script type="module" src="/${script}"></script>
</head>
<body>
<div id="root"></div>
</body>
</html>
`;
  await writeFile(join(out, `${page.name}.html`), html);
}
