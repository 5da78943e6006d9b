/**
 * What the room routes answer: `GET /api/rooms`, `GET /api/rooms/:matchID`, `POST /api/rooms`
 * and `POST /api/rooms/:matchID/join`.
 */
import * as z from 'zod/mini';
import { SeatRoleSchema } from './login.js';

/** What a room id looks like, in a path or an answer. */
export const MatchIDSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a room id'));

/** One seat of a room: its role, and who sits there. */
export const SeatSchema = z.object({
  playerID: z.string(),
  role: SeatRoleSchema,
  /** The seated user's name, or null while the seat is free. */
  name: z.nullable(z.string()),
  taken: z.boolean(),
});
/** One seat of a room: its role, and who sits there. */
export type Seat = z.infer<typeof SeatSchema>;

/** A room as `GET /api/rooms` and `GET /api/rooms/:matchID` show it. */
export const RoomSchema = z.object({
  matchID: MatchIDSchema,
  /** The game's name. */
  game: z.string(),
  /** The host's rules, delivery policy included. */
  rules: z.record(z.string(), z.unknown()),
  /** boardgame.io's `gameover` value, or null while the game runs. */
  gameover: z.unknown(),
  /** When the room was made (ISO 8601). */
  createdAt: z.iso.datetime({ offset: true }),
  seats: z.array(SeatSchema),
});
/** A room as `GET /api/rooms` and `GET /api/rooms/:matchID` show it. */
export type Room = z.infer<typeof RoomSchema>;

/** `GET /api/rooms` answer: the open rooms, newest first. */
export const RoomListSchema = z.object({ rooms: z.array(RoomSchema) });
/** `GET /api/rooms` answer: the open rooms, newest first. */
export type RoomList = z.infer<typeof RoomListSchema>;

/** One rule the caller's house rules decided, with its value and why (for the host form). */
export const ForcedRuleSchema = z.object({
  /** The rule's name in the room's rules (`cooldownSeconds`, `randomCheckChance`, …). */
  rule: z.string(),
  /** The value that binds the caller. */
  value: z.unknown(),
  /** One sentence: what the keyholder requires, and whether the server's bound won instead. */
  reason: z.string(),
});
/** One rule the caller's house rules decided, with its value and why (for the host form). */
export type ForcedRule = z.infer<typeof ForcedRuleSchema>;

/** A seat given to the caller: what boardgame.io's client needs to play in it. */
export const SeatGrantSchema = z.object({
  playerID: z.string(),
  /** The seat's credentials; joining again replaces them. */
  credentials: z.string().check(z.minLength(1)),
  /**
   * The rules the caller's own house rules decided (a wearer's, on creating or joining a room);
   * absent when none did. Never another user's.
   */
  forced: z.optional(z.array(ForcedRuleSchema)),
});
/** `POST /api/rooms/:matchID/join` answer: the caller's seat, with fresh credentials. */
export type SeatGrant = z.infer<typeof SeatGrantSchema>;

/** `POST /api/rooms` answer (201): the new room and the host's seat in it. */
export const CreatedRoomSchema = z.extend(SeatGrantSchema, { matchID: MatchIDSchema });
/** `POST /api/rooms` answer (201): the new room and the host's seat in it. */
export type CreatedRoom = z.infer<typeof CreatedRoomSchema>;
