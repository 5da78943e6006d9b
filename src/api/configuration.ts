/**
 * What the configuration page calls: `GET` and `PUT /api/configurations/:token`, where the token is
 * the `partnerConfigurationToken` Chaster gives the page. The server reads and saves the lock's
 * house rules with it; the page needs no login of ours.
 */
import * as z from 'zod/mini';
import { HouseRulesSchema } from './house-rules.js';
import { SeatRoleSchema } from './login.js';

/** Longest partnerConfigurationToken taken: far beyond a JWT's length, far below a path's limit. */
export const MAX_CONFIGURATION_TOKEN_LENGTH = 1024;

const tokenError = `must be 1 to ${MAX_CONFIGURATION_TOKEN_LENGTH} letters, digits, ".", "_", "~" or "-", not starting with "."`;

/**
 * A partnerConfigurationToken as the server takes it: URL-safe characters only, so that it goes
 * into Chaster's path as it is and nothing else ever reaches Chaster; never a leading dot, so that
 * no `.` or `..` segment could turn it into another of Chaster's routes.
 */
export const PartnerConfigurationTokenSchema = z
  .string({ error: tokenError })
  .check(
    z.minLength(1, { error: tokenError }),
    z.maxLength(MAX_CONFIGURATION_TOKEN_LENGTH, { error: tokenError }),
    z.regex(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/, { error: tokenError }),
  );

/** `GET` and `PUT /api/configurations/:token` answer: the lock's house rules and who may save them. */
export const ConfigurationAnswerSchema = z.object({
  /** The saved house rules; `{}` when none are saved, or when what is saved is not valid. */
  config: HouseRulesSchema,
  /** Who opened the page. */
  role: SeatRoleSchema,
  /** Whether a save will be taken: the keyholder's (or a lock's creator's, before it starts). */
  canSave: z.boolean(),
  /** Why the saved config was not shown: it is not valid house rules, and binds nothing. */
  problem: z.optional(z.string()),
  /** The games this server offers, by name: what `allowedGames` may list. */
  games: z.array(z.string()),
  /**
   * The operator's server-wide bounds, which win over any house rule: the least cooldown between
   * two requests to a wearer (seconds) and the most requests a match may send.
   */
  serverLimits: z.object({ minCooldownSeconds: z.number(), maxRequestsPerMatch: z.number() }),
});
/** `GET` and `PUT /api/configurations/:token` answer: the lock's house rules and who may save them. */
export type ConfigurationAnswer = z.infer<typeof ConfigurationAnswerSchema>;
