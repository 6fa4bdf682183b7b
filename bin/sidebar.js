#!/usr/bin/env node
// The `sidebar` command runs the compiled CLI; `npm run build` (run by `npm start`) creates it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('sidebar: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(1);
}
await import(cli.href);
