/**
 * The signed-in login's rooms: the open rooms and one room (polled while the page is visible),
 * and the caller's seat in a room. A call that says the login expired renews it (`useLogin`).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Room, SeatGrant } from '../client/index.js';
import { useSignedIn } from './login.js';
import { usePoll } from './poll.js';
import type { Polled } from './poll.js';

/** How often the open rooms are loaded again, by default. */
const ROOMS_EVERY_MS = 5000;
/** How often a room with a free seat is loaded again: the board should appear soon after. */
const FILLING_ROOM_EVERY_MS = 3000;
/** How often a full room is loaded again: only names and the result can change. */
const FULL_ROOM_EVERY_MS = 15_000;

/** The open rooms, newest first, loaded again every `intervalMs` (default 5 s) while visible. */
export function useRooms(options: { intervalMs?: number } = {}): Polled<Room[]> {
  const { api, report } = useSignedIn();
  return usePoll(
    (signal) => api.rooms.list({ signal }).catch(reported(report, api)),
    options.intervalMs ?? ROOMS_EVERY_MS,
    [api],
  );
}

/**
 * One room, loaded again while visible: every 3 s while a seat is free, every 15 s once full,
 * or every `intervalMs` when given.
 */
export function useRoom(matchID: string, options: { intervalMs?: number } = {}): Polled<Room> {
  const { api, report } = useSignedIn();
  const every = options.intervalMs;
  return usePoll(
    (signal) => api.rooms.get(matchID, { signal }).catch(reported(report, api)),
    (room) =>
      every ??
      (room !== undefined && room.seats.every((s) => s.taken)
        ? FULL_ROOM_EVERY_MS
        : FILLING_ROOM_EVERY_MS),
    [api, matchID],
  );
}

/**
 * The caller's seat in a room: `joining`, `ready` with its credentials (`epoch` grows with each
 * fresh grant, so a board keyed by it reconnects), or `error`.
 */
export type SeatState =
  | { status: 'joining' }
  | { status: 'ready'; grant: SeatGrant; epoch: number }
  | { status: 'error'; error: unknown };

/**
 * Takes the caller's seat in `matchID` (joining again gives the same seat fresh credentials: the
 * way back after a reload, another device, or a broken connection). `grant`, from creating or
 * joining the room just before, saves the first join. `rejoin` takes the seat again.
 */
export function useSeat(matchID: string, grant?: SeatGrant): SeatState & { rejoin: () => void } {
  const { api, report } = useSignedIn();
  const [seat, setSeat] = useState<SeatState>(
    grant ? { status: 'ready', grant, epoch: 0 } : { status: 'joining' },
  );
  const [attempt, setAttempt] = useState(grant ? 0 : 1);
  // A renewed login keeps the seat: only a new attempt (or room) joins again, with the latest API.
  const signedIn = useRef({ api, report });
  useEffect(() => {
    signedIn.current = { api, report };
  });

  useEffect(() => {
    if (attempt === 0) return;
    const controller = new AbortController();
    const { api: joinApi, report: reportTo } = signedIn.current;
    setSeat((s) => (s.status === 'ready' ? s : { status: 'joining' }));
    joinApi.rooms.join(matchID, { signal: controller.signal }).then(
      (g) => {
        if (!controller.signal.aborted) setSeat({ status: 'ready', grant: g, epoch: attempt });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        reportTo(error, joinApi);
        setSeat({ status: 'error', error });
      },
    );
    return () => controller.abort();
  }, [matchID, attempt]);

  const rejoin = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...seat, rejoin };
}

/** A `catch` handler that reports an error to the login, then rethrows it. */
function reported(
  report: ReturnType<typeof useSignedIn>['report'],
  api: ReturnType<typeof useSignedIn>['api'],
) {
  return (error: unknown): never => {
    report(error, api);
    throw error;
  };
}
