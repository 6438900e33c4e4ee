// Options are documented once, in their types (text + @default); the README's options table is generated from
// them (npm run docs). These fail when the two drift apart, or when an option loses its documentation.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { options, readmeWithTable } from '../scripts/options-table.mjs';
import { root } from './helpers/bundle.ts';

test('the README options table is the one generated from the option types (run `npm run docs`)', () => {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  expect(readmeWithTable(readme)).toBe(readme);
});

test('every option has a description and an @default (appToken aside: it has none)', () => {
  const all = options();
  expect(all.length).toBeGreaterThan(20);
  expect(all.filter((o) => !o.text)).toEqual([]);
  expect(all.filter((o) => o.default === undefined).map((o) => o.name)).toEqual(['appToken']);
  // Each name once: the full client's options never shadow the core's.
  expect(new Set(all.map((o) => o.name)).size).toBe(all.length);
});
