/**
 * Declared move arguments. boardgame.io stores a move's arguments in the match log and sends the
 * log to every client on every sync, so the server accepts only the arguments a game declares:
 * `moveArgs` maps a move name to a zod schema of its whole argument list, and a move it does not
 * name takes no arguments at all.
 */
import { z } from 'zod';

/** The argument lists a game's moves accept, by move name; a move not named takes none. */
export type MoveArgs = Readonly<Record<string, z.ZodType<readonly unknown[]>>>;

/** A boardgame.io game that declares its moves' arguments (enforced by the server's socket guard). */
export interface WithMoveArgs {
  moveArgs?: MoveArgs;
}

/** The argument list of a move that takes none (what a game need not declare). */
export const NO_ARGS = z.tuple([]);

/** One argument naming a seat: a playerID such as `"0"` or `"12"`. */
export const seatArg = z.string().regex(/^(0|[1-9]\d?)$/, 'must be a seat number such as "0"');
