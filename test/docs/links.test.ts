/**
 * Every relative link of the README and the documentation resolves: the file exists, and a
 * `#anchor` names a heading of its page, as GitHub spells heading anchors.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/docs.js';

const PAGES = [
  'README.md',
  'CHANGELOG.md',
  'game/README.md',
  'examples/wheel-of-fortune/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The page's text outside fenced code blocks and inline code, where links are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets of a page: `[text](target)` and `![alt](target)`, titles dropped. */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1]!,
  );
}

/** The anchors GitHub gives a page's headings (a repeated heading gets `-1`, `-2`…). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, text] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = text!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with one link of `page`, or undefined when it resolves. */
function brokenLink(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: … are not ours
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
  if (!file.startsWith(ROOT)) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target}: no file ${relative(ROOT, file)}`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not Markdown`;
  const anchors = headingAnchors(readFileSync(file, 'utf8'));
  return anchors.has(decodeURIComponent(anchor))
    ? undefined
    : `${target}: no heading #${anchor} in ${relative(ROOT, file)}`;
}

describe('documentation links', () => {
  it.each(PAGES)('every relative link of %s resolves, anchors included', (page) => {
    const broken = linkTargets(readFileSync(join(ROOT, page), 'utf8'))
      .map((target) => brokenLink(page, target))
      .filter((problem) => problem !== undefined);
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')));
    const pages = PAGES.filter((page) => page.startsWith('docs/'));
    expect(pages.filter((page) => !linked.has(page))).toEqual([]);
  });

  it('anchors are spelled as GitHub spells them, and a broken link is reported', () => {
    const anchors = headingAnchors(
      '# A `code` heading\n## boardgame.io 0.50.2 defects\n## Twice\n## Twice\n```\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual([
      'a-code-heading',
      'boardgameio-0502-defects',
      'twice',
      'twice-1',
    ]);
    expect(
      linkTargets('[a](x.md#y) `[b](not-a-link.md)` ![c](d.png "title") [e](https://e.org)'),
    ).toEqual(['x.md#y', 'd.png', 'https://e.org']);
    expect(brokenLink('README.md', 'docs/no-such-page.md')).toMatch(/no file/);
    expect(brokenLink('README.md', 'docs/server.md#no-such-heading')).toMatch(/no heading/);
    expect(brokenLink('README.md', 'docs/server.md#http-api')).toBeUndefined();
  });
});
