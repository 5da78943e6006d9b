/**
 * The request bodies of the HTTP API, as the server parses them (a caller may check its own with
 * them too). Kept apart from the answers, which are all a client needs: this module brings
 * `src/chaster`'s mainToken rule, written with zod's full API, which a bundle then carries.
 */
import * as z from 'zod/mini';
import { MainTokenSchema } from '../chaster/schemas.js';

/** `POST /api/login` body: the mainToken from Chaster's iframe hash. */
export const LoginBodySchema = z.strictObject({ mainToken: MainTokenSchema });
/** `POST /api/login` body: the mainToken from Chaster's iframe hash. */
export type LoginBody = z.infer<typeof LoginBodySchema>;

/** The delivery policy a room gets when its host leaves it out. */
export const DEFAULT_ROOM_POLICY = { cooldownSeconds: 120, maxRequestsPerMatch: 5 } as const;

/** The delivery-policy part of a room's rules; a rule left out takes its default. */
export const RoomPolicyRulesSchema = z.object({
  /** Least time between two requests to the same wearer, in seconds. */
  cooldownSeconds: z._default(
    z.int().check(z.minimum(0), z.maximum(86_400)),
    DEFAULT_ROOM_POLICY.cooldownSeconds,
  ),
  /** Most requests delivered per match. */
  maxRequestsPerMatch: z._default(
    z.int().check(z.minimum(0), z.maximum(100)),
    DEFAULT_ROOM_POLICY.maxRequestsPerMatch,
  ),
});
/** The delivery-policy part of every room's rules, defaults filled in. */
export type RoomPolicyRules = z.output<typeof RoomPolicyRulesSchema>;

/**
 * A room's rules: the game's own (checked by its `validateSetupData`) plus the delivery policy.
 * The server's body reader has already refused `__proto__`, `constructor` and `prototype` keys.
 */
export const RoomRulesSchema = z.pipe(
  z.record(z.string().check(z.maxLength(64)), z.unknown()).check(
    z.refine((rules) => Object.keys(rules).length <= 32, {
      message: 'must have at most 32 keys',
    }),
  ),
  z.looseObject(RoomPolicyRulesSchema.shape),
);

/** `POST /api/rooms` body: which game, how many seats, the host's rules. */
export const CreateRoomBodySchema = z.strictObject({
  /** A game's name on this server (`dice-duel`, `verify-cards`…). */
  game: z.string().check(z.minLength(1), z.maxLength(64)),
  numPlayers: z.int().check(z.minimum(1), z.maximum(16)),
  rules: z._default(RoomRulesSchema, { ...DEFAULT_ROOM_POLICY }),
  /** Whether one seat is a keyholder's; default: when the host is a keyholder. */
  keyholderSeat: z.optional(z.boolean()),
});
/** `POST /api/rooms` body as a caller writes it (rules may be left out). */
export type CreateRoomInput = z.input<typeof CreateRoomBodySchema>;
