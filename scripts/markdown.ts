/**
 * Markdown helpers of the doc generators: replacing a marked region of a page, and formatting a
 * page as `npm run lint` (prettier --check) expects, so a generated page passes the lint as written.
 */
import { join } from 'node:path';
import prettier from 'prettier';

/** `page` with the text between `<!-- name:start -->` and `<!-- name:end -->` replaced. */
export function replaceRegion(page: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from === -1 || to < from) throw new Error(`the page has no ${start} … ${end} region`);
  return `${page.slice(0, from + start.length)}\n\n${content.trim()}\n\n${page.slice(to)}`;
}

/** Formats Markdown with the repository's prettier settings. */
export async function formatMarkdown(root: string, markdown: string): Promise<string> {
  const config = await prettier.resolveConfig(join(root, 'docs', 'api.md'));
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}
