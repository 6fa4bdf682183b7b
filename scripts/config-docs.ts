/** `npm run config:docs`: writes .env.example and the README's settings table from src/config/schema.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderEnvExample, withSettingsTable } from '../src/config/docs.js';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('.env.example', root), renderEnvExample());
const readme = new URL('README.md', root);
writeFileSync(readme, withSettingsTable(readFileSync(readme, 'utf8')));
console.log('wrote .env.example and the settings table of README.md');
