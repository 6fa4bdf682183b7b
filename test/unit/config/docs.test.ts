import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvExample, withSettingsTable } from '../../../src/config/docs.js';
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
