/**
 * Sending moves from a board: each move is watched until its event shows up in the log and sent
 * again if boardgame.io dropped it; `volunteer` and `demand` are sent the same way on both boards.
 */
import { useEffect, useRef } from 'react';
import type { BoardProps } from 'boardgame.io/react';
import type { GameEvent } from '../../../game/types.js';

/** A move the board sent and watches until its event shows up in the log. */
interface PendingMove<G> {
  /** Whether `event` is the one this move logs (e.g. a `round` event about me for `roll`). */
  appliedBy: (event: GameEvent) => boolean;
  /** Whether the move still makes sense in `G` (still my turn, demands left, …). */
  allowed: (G: G) => boolean;
  send: () => void;
  /** Last event number when it was sent: only later events can prove it applied. */
  after: number;
  seen: G;
  tries: number;
  until: number;
}

const RESEND_TRIES = 3;
const RESEND_WINDOW_MS = 5000;

/**
 * Sends moves, and sends them again when boardgame.io dropped them. The master silently drops an
 * action whose `_stateID` is stale, which happens whenever two seats act at nearly the same time
 * (everyone may move at any time in these games); the board would just show the button again. A
 * resend is safe: if the first copy had been applied, its event would be in the newer state, and
 * a copy carrying an old `_stateID` can never be applied twice.
 */
export function useMoveSender<G extends { events: GameEvent[] }>(
  G: G,
): (move: Pick<PendingMove<G>, 'appliedBy' | 'allowed' | 'send'>) => void {
  const pending = useRef<PendingMove<G>[]>([]);
  useEffect(() => {
    const now = Date.now();
    pending.current = pending.current.filter((p) => {
      if (now > p.until) return false;
      if (p.seen === G) return true;
      p.seen = G;
      if (G.events.some((e) => e.n > p.after && p.appliedBy(e))) return true;
      if (p.tries >= RESEND_TRIES || !p.allowed(G)) return false;
      p.tries += 1;
      p.until = now + RESEND_WINDOW_MS;
      p.send();
      return true;
    });
  }, [G]);
  return (move) => {
    pending.current.push({
      ...move,
      after: G.events[G.events.length - 1]?.n ?? 0,
      seen: G,
      tries: 0,
      until: Date.now() + RESEND_WINDOW_MS,
    });
    move.send();
  };
}

/** The moves both games have, sent through `useMoveSender`: volunteer, and a keyholder's demand. */
export function sharedMoves<
  G extends { events: GameEvent[]; volunteered: Record<string, boolean>; demandsLeft: number },
>(
  send: ReturnType<typeof useMoveSender<G>>,
  moves: BoardProps['moves'],
  me: string | null,
): { volunteer: () => void; demand: (target: string) => void } {
  return {
    volunteer: () =>
      send({
        send: () => moves.volunteer!(),
        appliedBy: (e) => e.kind === 'volunteer' && e.playerID === me,
        allowed: (g) => me !== null && !g.volunteered[me],
      }),
    demand: (target) =>
      send({
        send: () => moves.demand!(target),
        appliedBy: (e) => e.kind === 'demand' && e.playerID === target,
        allowed: (g) => g.demandsLeft > 0,
      }),
  };
}
