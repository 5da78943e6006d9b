/**
 * Reading the hash Chaster gives the extension page: `#` + URI-encoded JSON such as
 * `{"mainToken":"…"}`, as Chaster opens an extension's page in its iframe.
 */

/** What the page learned from its hash, or why it learned nothing. */
export type ChasterHash =
  { ok: true; mainToken: string; extensionSlug?: string } | { ok: false; reason: string };

/** Parses `location.hash` exactly as Chaster sends it; never throws. */
export function parseChasterHash(hash: string): ChasterHash {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { ok: false, reason: 'This page was opened without a Chaster session.' };
  let data: unknown;
  try {
    data = JSON.parse(decodeURIComponent(raw));
  } catch {
    return { ok: false, reason: 'The link is damaged: its session part is not readable.' };
  }
  if (typeof data !== 'object' || data === null) {
    return { ok: false, reason: 'The link is damaged: its session part is not readable.' };
  }
  const { mainToken, extensionSlug } = data as { mainToken?: unknown; extensionSlug?: unknown };
  if (typeof mainToken !== 'string' || mainToken.length === 0 || mainToken.length > 4096) {
    return { ok: false, reason: 'The link carries no session token.' };
  }
  return typeof extensionSlug === 'string'
    ? { ok: true, mainToken, extensionSlug }
    : { ok: true, mainToken };
}
