import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvExample, tableEnd, tableStart, withSettingsTable } from '../../../src/config/docs.js';
import { envSchema, settingGroups } from '../../../src/config/schema.js';

const file = (name: string) => readFileSync(new URL(`../../../${name}`, import.meta.url), 'utf8');

describe('the configuration documentation, generated from the schema', () => {
  it('.env.example is current (npm run config:docs writes it)', () => {
    expect(file('.env.example')).toBe(renderEnvExample());
  });

  it("the README's settings table is current (npm run config:docs writes it)", () => {
    const readme = file('README.md');
    expect(readme).toBe(withSettingsTable(readme));
  });

  it('every setting is in exactly one group and has a description', () => {
    const grouped = settingGroups.flatMap((g) => Object.keys(g.settings));
    expect(grouped.sort()).toEqual(Object.keys(envSchema.properties).sort());
    for (const group of settingGroups) {
      for (const [name, schema] of Object.entries(group.settings)) expect(String(schema.description ?? ''), name).not.toBe('');
    }
  });

  it('secrets have no default that .env.example could show', () => {
    for (const [name, schema] of Object.entries(envSchema.properties)) {
      if ((schema as { writeOnly?: boolean }).writeOnly) expect((schema as { default?: unknown }).default, name).toBeUndefined();
    }
  });
});

describe('the generated documentation, by its rules', () => {
  it('.env.example wraps each description in comment lines of at most 96 characters, words whole, none empty', () => {
    const comments = renderEnvExample()
      .split('\n')
      .filter((line) => line.startsWith('# ') && !line.startsWith('# ---'));
    // A URL longer than a line is the one word that may overflow it.
    expect(comments.filter((line) => line.length > 96 && !/\S{60,}/.test(line))).toEqual([]);
    expect(comments.filter((line) => line.trim() === '#')).toEqual([]);
    // Words whole: every line ends at a word's end, never inside one (the next line starts a new word).
    expect(renderEnvExample()).toContain('# The port to listen on.\nPORT=3000\n');
    expect(renderEnvExample()).toContain('# Worker processes sharing PORT (node:cluster): a number, or auto (one per core). Each worker\n# holds its own copy');
  });

  it('the README must carry both markers, in order, or the table is not replaced', () => {
    expect(() => withSettingsTable('no table here')).toThrow(/lacks the settings table markers/);
    expect(() => withSettingsTable(`${tableEnd}\n${tableStart}`)).toThrow(/lacks the settings table markers/);
    expect(() => withSettingsTable(tableStart)).toThrow(/lacks the settings table markers/);
    expect(withSettingsTable(`before\n${tableStart}\nold\n${tableEnd}\nafter`)).toMatch(
      new RegExp(`^before\\n${tableStart}\\n\\| variable [^]*\\n${tableEnd}\\nafter$`),
    );
  });
});
