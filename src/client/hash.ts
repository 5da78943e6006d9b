/**
 * Reading the hash Chaster gives the extension page: `#` + URI-encoded JSON such as
 * `{"mainToken":"…"}`, as Chaster opens an extension's page in its iframe, or
 * `{"partnerConfigurationToken":"…"}` on its configuration page.
 */
import { MAX_CONFIGURATION_TOKEN_LENGTH, PartnerConfigurationTokenSchema } from '../api/index.js';

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

/** What the configuration page learned from its hash, or why it learned nothing. */
export type PartnerConfigurationHash =
  { ok: true; token: string; extensionSlug?: string } | { ok: false; reason: string };

/** Longest hash read: a token of the longest shape taken, URI-encoded, with room to spare. */
const MAX_CONFIGURATION_HASH_LENGTH = 8 * MAX_CONFIGURATION_TOKEN_LENGTH;

/**
 * Reads `#{"partnerConfigurationToken":"…"}`, the hash Chaster gives an extension's configuration
 * page, checking the token's shape (`PartnerConfigurationTokenSchema`); never throws.
 */
export function readPartnerConfigurationToken(hash: string): PartnerConfigurationHash {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const openFromChaster = "open the extension's settings from Chaster again";
  if (raw === '') {
    return {
      ok: false,
      reason: `This page was opened without a configuration token: ${openFromChaster}.`,
    };
  }
  const damaged = {
    ok: false,
    reason: `The link is damaged: its configuration part is not readable; ${openFromChaster}.`,
  } as const;
  if (raw.length > MAX_CONFIGURATION_HASH_LENGTH) return damaged;
  let data: unknown;
  try {
    data = JSON.parse(decodeURIComponent(raw));
  } catch {
    return damaged;
  }
  if (typeof data !== 'object' || data === null) return damaged;
  const { partnerConfigurationToken, mainToken, extensionSlug } = data as Record<string, unknown>;
  if (partnerConfigurationToken === undefined) {
    return {
      ok: false,
      reason:
        mainToken === undefined
          ? `The link carries no configuration token: ${openFromChaster}.`
          : "This link opens the game, not the extension's settings: open the game page instead, or the settings from Chaster.",
    };
  }
  const token = PartnerConfigurationTokenSchema.safeParse(partnerConfigurationToken);
  if (!token.success) {
    return {
      ok: false,
      reason: `The link's configuration token is not valid: ${openFromChaster}.`,
    };
  }
  return typeof extensionSlug === 'string'
    ? { ok: true, token: token.data, extensionSlug }
    : { ok: true, token: token.data };
}
