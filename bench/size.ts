/**
 * `npm run size`: what the front-end packages add to an application's bundle, as a bundler
 * would ship them (esbuild, minified, ES module, their peer dependencies and each other left out), raw and
 * gzipped. Issue 16's goal: the client under 5 KB gzipped. Figures go in docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const packages = ['client', 'react'];

console.log('| package | minified | gzip |');
console.log('|---|---:|---:|');
for (const name of packages) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const result = await build({
    entryPoints: [join(dir, 'dist/index.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    // Its peers, and our own packages (each measured on its own line).
    external: [...Object.keys(manifest.peerDependencies ?? {}), ...Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@sportsbook/'))],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
  console.log(`| ${manifest.name} | ${kb(code.length)} | ${kb(gzipSync(code, { level: 9 }).length)} |`);
}
