/**
 * `npm run size`: what the front-end packages add to an application's bundle, as a bundler
 * would ship them (esbuild, minified, ES module, their peer dependencies and each other left out), raw and
 * gzipped. Fails past the goals: the client at most 5 KB gzipped, the React package 3 KB
 * without its peers. Figures go in docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
/** Each package's goal, gzipped bytes. */
const goals: Record<string, number> = { client: 5 * 1024, react: 3 * 1024 };
const packages = Object.keys(goals);
let over = false;

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
  const gzipped = gzipSync(code, { level: 9 }).length;
  const goal = goals[name] as number;
  console.log(`| ${manifest.name} | ${kb(code.length)} | ${kb(gzipped)} (goal ${kb(goal)}) |`);
  if (gzipped > goal) over = true;
}
if (over) {
  console.error('size: a package is past its goal');
  process.exit(1);
}
