/**
 * Test helpers: a copy of the game whose wheel stops where the test says (boardgame.io's
 * `MockRandom`), and polling until something holds.
 */
import { MockRandom } from 'boardgame.io/testing';
import { WHEEL, WheelOfFortune } from '../src/game.js';
import type { Segment, WheelSetupData } from '../src/game.js';

/**
 * The game, with its wheel stopping on `landings` in order (running out fails the spin) and,
 * when given, this `setupData` (a local client passes none).
 */
export function steered(landings: readonly Segment[], setupData?: WheelSetupData) {
  let spun = 0;
  const Die = () => {
    const segment = landings[spun++];
    if (segment === undefined) throw new Error(`test bug: more than ${landings.length} spins`);
    return WHEEL.indexOf(segment) + 1;
  };
  return {
    ...WheelOfFortune,
    setup: (context, data) => WheelOfFortune.setup!(context, data ?? setupData),
    plugins: [...WheelOfFortune.plugins!, MockRandom({ Die })],
  } satisfies typeof WheelOfFortune;
}

/** Polls `check` until it returns a truthy value (which it resolves to), for up to `ms`. */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 10));
  }
}
