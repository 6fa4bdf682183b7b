import type { TSchema } from '@sinclair/typebox';
import { settingGroups } from './schema.js';

/*
 * The configuration's documentation, generated from the schema (schema.ts), so a setting is
 * described once: `.env.example` and the README's table. `npm run config:docs` writes both;
 * test/unit/config/docs.test.ts fails when either is stale.
 */

interface Setting {
  name: string;
  description: string;
  /** The default as .env.example writes it: empty for none. */
  value: string;
  secret: boolean;
}

function settingsOf(settings: Record<string, TSchema>): Setting[] {
  return Object.entries(settings).map(([name, schema]) => ({
    name,
    description: String(schema.description ?? ''),
    value: schema.default === undefined ? '' : String(schema.default),
    secret: schema.writeOnly === true,
  }));
}

/** `text` as comment lines of at most `width` characters. */
function wrapComment(text: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '#';
  // Stryker disable next-line Regex: descriptions separate words by single spaces; /\s/ splits them the same.
  for (const word of text.split(/\s+/)) {
    // Stryker disable next-line ConditionalExpression,StringLiteral: a line holding no word yet is never pushed, whatever this says, unless a first word is wider than a line (none is).
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

const envHeader = `# Sidebar service configuration, generated from src/config/schema.ts (npm run config:docs).
# Copy to .env (read at start-up by the \`sidebar\` CLI) or set in the environment. Every variable
# is optional; the values below are the defaults. Empty values count as unset. Never commit
# real secrets.`;

export function renderEnvExample(): string {
  const parts = [envHeader];
  for (const group of settingGroups) {
    const lines = [`# --- ${group.title} ${'-'.repeat(Math.max(3, 92 - group.title.length))}`];
    for (const setting of settingsOf(group.settings)) lines.push(...wrapComment(setting.description), `${setting.name}=${setting.value}`);
    parts.push(lines.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The README's table: one row per setting, grouped. */
export function renderSettingsTable(): string {
  const rows = ['| variable | default | |', '|---|---|---|'];
  for (const group of settingGroups) {
    rows.push(`| **${group.title}** | | |`);
    for (const s of settingsOf(group.settings)) {
      const value = s.value === '' ? (s.secret ? 'unset (secret)' : 'unset') : `\`${s.value}\``;
      rows.push(`| \`${s.name}\` | ${cell(value)} | ${cell(s.description)} |`);
    }
  }
  return rows.join('\n');
}

export const tableStart = '<!-- settings: generated from src/config/schema.ts by npm run config:docs -->';
export const tableEnd = '<!-- settings: end -->';

/** The README with its settings table replaced by the generated one. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start < 0 || end < start) throw new Error(`README.md lacks the settings table markers (${tableStart} … ${tableEnd})`);
  return `${readme.slice(0, start + tableStart.length)}\n${renderSettingsTable()}\n${readme.slice(end)}`;
}
