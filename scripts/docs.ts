/**
 * `npm run docs`: writes the generated parts of the documentation — the API reference
 * (`docs/api.md`, from the JSDoc of every export) and the emulator's assumptions tables (the
 * marked region of `docs/emulator.md`, from `src/emulator/assumptions.ts`).
 * `test/docs/generated.test.ts` renders the same pages in memory and fails when the committed
 * ones differ.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportedSymbols, packageEntries, renderApiPage } from './api-reference.js';
import { renderAssumptions } from './assumptions-table.js';
import { formatMarkdown, replaceRegion } from './markdown.js';

/** The repository this script belongs to. */
export const ROOT = resolve(import.meta.dirname, '..');

/** Every generated page, by path relative to the repository, as `npm run docs` would write it. */
export async function renderDocs(root: string = ROOT): Promise<Map<string, string>> {
  const api = renderApiPage(exportedSymbols(root, packageEntries(root)));
  const emulatorPage = replaceRegion(
    readFileSync(join(root, 'docs/emulator.md'), 'utf8'),
    'assumptions',
    renderAssumptions(root),
  );
  return new Map([
    ['docs/api.md', await formatMarkdown(root, api)],
    ['docs/emulator.md', await formatMarkdown(root, emulatorPage)],
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [path, text] of await renderDocs()) {
    const file = join(ROOT, path);
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    writeFileSync(file, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
