/**
 * Every public export is documented: the TypeScript compiler walks each package entry of
 * package.json `exports` (`./dist/X/index.js` → `src/X/index.ts`; entries whose source does not
 * exist yet are skipped) and every symbol it exports must carry a JSDoc comment.
 */
import { describe, expect, it } from 'vitest';
import { exportedSymbols, firstSentence, packageEntries } from '../../scripts/api-reference.js';
import { ROOT } from '../../scripts/docs.js';

describe('public exports', () => {
  it('the package entries are found from package.json exports', () => {
    const specifiers = packageEntries(ROOT).map((entry) => entry.specifier);
    expect(specifiers).toEqual(
      expect.arrayContaining([
        'bgio-chaster',
        'bgio-chaster/server',
        'bgio-chaster/chaster',
        'bgio-chaster/emulator',
      ]),
    );
  });

  it('every symbol exported by every package entry has a JSDoc comment', () => {
    const undocumented: string[] = [];
    for (const [entry, symbols] of exportedSymbols(ROOT, packageEntries(ROOT))) {
      expect(symbols.length, `${entry.specifier} exports nothing`).toBeGreaterThan(0);
      for (const symbol of symbols) {
        if (symbol.doc === '') {
          undocumented.push(
            `${entry.specifier}: ${symbol.name} (${symbol.kind}, ${symbol.declaredIn})`,
          );
        }
      }
    }
    expect(undocumented, 'exports without a JSDoc comment').toEqual([]);
  }, 60_000);

  it('the walk sees through re-exports and reports an export without JSDoc', () => {
    const entry = { specifier: 'fixture', source: 'test/docs/fixtures/entry.ts' };
    const symbols = exportedSymbols(ROOT, [entry]).get(entry)!;
    expect(symbols.map(({ name, kind, doc }) => ({ name, kind, doc }))).toEqual([
      { name: 'Documented', kind: 'interface', doc: 'A documented interface.' },
      { name: 'documentedArrow', kind: 'function', doc: 'A documented arrow function.' },
      { name: 'Renamed', kind: 'class', doc: 'A documented class, exported under another name.' },
      { name: 'undocumented', kind: 'const', doc: '' },
    ]);
  });

  it('a one-line doc is the first sentence, and "e.g." does not end it', () => {
    expect(firstSentence('Opens a file. Then more.')).toBe('Opens a file.');
    expect(firstSentence('Names an argument, e.g. `sessionId`. More.')).toBe(
      'Names an argument, e.g. `sessionId`.',
    );
    expect(firstSentence('Spans\ntwo lines.\n\nA second paragraph.')).toBe('Spans two lines.');
    expect(firstSentence('')).toBe('');
  });
});
