/**
 * The generated documentation is committed as `npm run docs` would write it: the API reference
 * (from the JSDoc of every export) and the emulator's assumptions tables (from
 * src/emulator/assumptions.ts). The pages are rendered in memory; nothing is written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, renderDocs } from '../../scripts/docs.js';
import { replaceRegion } from '../../scripts/markdown.js';

describe('generated documentation', () => {
  it('docs/api.md and docs/emulator.md are what `npm run docs` writes (run it after changing the code)', async () => {
    const pages = await renderDocs(ROOT);
    expect([...pages.keys()].sort()).toEqual(['docs/api.md', 'docs/emulator.md']);
    for (const [path, expected] of pages) {
      expect(readFileSync(join(ROOT, path), 'utf8'), `${path} is stale: run npm run docs`).toBe(
        expected,
      );
    }
  }, 60_000);

  it('the emulator page lists every assumed error and constant of src/emulator/assumptions.ts', async () => {
    const page = (await renderDocs(ROOT)).get('docs/emulator.md')!;
    const region = page.slice(
      page.indexOf('<!-- assumptions:start -->'),
      page.indexOf('<!-- assumptions:end -->'),
    );
    const assumptions = await import('../../src/emulator/assumptions.js');
    for (const [key, error] of Object.entries(assumptions.ASSUMED_ERRORS)) {
      expect(region).toContain(`\`${key}\``);
      expect(region).toContain(String(error.status));
    }
    for (const name of Object.keys(assumptions).filter((n) => n !== 'ASSUMED_ERRORS')) {
      expect(region).toContain(`\`${name}\``);
    }
  }, 60_000);

  it('a region is replaced between its markers only, and a page without them is refused', () => {
    const page = 'before\n<!-- x:start -->\nold\n<!-- x:end -->\nafter\n';
    expect(replaceRegion(page, 'x', 'new')).toBe(
      'before\n<!-- x:start -->\n\nnew\n\n<!-- x:end -->\nafter\n',
    );
    expect(() => replaceRegion('no markers', 'x', 'new')).toThrow(/x:start/);
  });
});
