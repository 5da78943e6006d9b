/**
 * The rooms the server tests play in, made through the HTTP API on a running stack: two wearers
 * of two locks, or a keyholder with their own wearer and another lock's wearer.
 */
import type { CreateLockInput, CreatedLock } from '../../src/emulator/index.js';
import { host, join } from './stack.js';
import type { Seat, Stack } from './stack.js';

/** Two wearers of two locks in one room: A's wearer hosts seat 0, B's wearer joins seat 1. */
export interface TwoWearerRoom {
  a: CreatedLock;
  b: CreatedLock;
  matchID: string;
  /** A's seat (the host's, '0'). */
  seat: Seat;
  /** B's seat ('1'). */
  seatB: Seat;
}

/**
 * Makes two locks and a two-seat room of `game` (default `penalty`) for their wearers; `rules`
 * replace the host's default rules, and `lockB` shapes B's lock (say, without Verification Picture).
 */
export async function twoWearerRoom(
  stack: Stack,
  {
    game = 'penalty',
    rules,
    lockB,
  }: { game?: string; rules?: Record<string, unknown>; lockB?: CreateLockInput } = {},
): Promise<TwoWearerRoom> {
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock(lockB);
  const { matchID, seat } = await host(stack, a.tokens.wearer, {
    game,
    numPlayers: 2,
    ...(rules ? { rules } : {}),
  });
  const seatB = await join(stack, b.tokens.wearer, matchID);
  return { a, b, matchID, seat, seatB };
}

/** A keyholder's room: lock A's keyholder hosts seat 0, A's wearer sits in 1, B's wearer in 2. */
export interface KeyholderRoom {
  a: CreatedLock;
  b: CreatedLock;
  matchID: string;
  /** The keyholder's seat ('0'). */
  kh: Seat;
  /** A's wearer ('1'): the keyholder's own wearer. */
  seatA: Seat;
  /** B's wearer ('2'): another lock's. */
  seatB: Seat;
}

/** Makes two locks and a three-seat `penalty` room hosted by A's keyholder for both wearers. */
export async function keyholderRoom(stack: Stack): Promise<KeyholderRoom> {
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock();
  const { matchID, seat: kh } = await host(stack, a.tokens.keyholder!, {
    game: 'penalty',
    numPlayers: 3,
  });
  const seatA = await join(stack, a.tokens.wearer, matchID);
  const seatB = await join(stack, b.tokens.wearer, matchID);
  return { a, b, matchID, kh, seatA, seatB };
}
