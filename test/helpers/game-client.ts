/**
 * boardgame.io clients of a game, for tests: a single-player `Client` (every seat is played by
 * switching `playerID`; the raw store holds what the reducer committed, plugin data included,
 * before any playerView), `Local()` seats with what their master stored, and the check that a
 * refused action changed nothing.
 */
import { expect, vi } from 'vitest';
import type { Game, State } from 'boardgame.io';
import { Client } from 'boardgame.io/client';
import { Local } from 'boardgame.io/multiplayer';
import { MockRandom } from 'boardgame.io/testing';
import type { SeatRole } from '../../game/types.js';
import type {
  VerificationData,
  VerificationIntent,
  WithVerification,
} from '../../src/plugin/index.js';
import { VERIFICATION_PLUGIN_NAME } from '../../src/plugin/index.js';
import { waitFor } from './http-core.js';

/** What `MockRandom` takes: the random functions to force. */
export type Mocks = Parameters<typeof MockRandom>[0];

/** A client's moves, callable with any arguments (tests send bad ones on purpose). */
export type Moves = Record<string, (...args: unknown[]) => void>;

const running: Array<() => void> = [];

/** Stops every client started here; call it in `afterEach`. */
export function stopClients(): void {
  while (running.length) running.pop()!();
}

/** Starts `client` and stops it at the next `stopClients`. */
export function started<C extends { start(): void; stop(): void }>(client: C): C {
  client.start();
  running.push(() => client.stop());
  return client;
}

/**
 * A fresh copy of `game` whose setup gets `setupData` (clients never pass any), with `mocks`
 * forcing its random functions and `seed` fixing the rest.
 */
export function withSetup<G, SetupData>(
  game: Game<G, WithVerification, SetupData>,
  setupData: SetupData | undefined,
  mocks?: Mocks,
  seed?: string,
): Game<G, WithVerification, SetupData> {
  return {
    ...game,
    setup: (context) => game.setup!(context, setupData),
    plugins: mocks ? [...game.plugins!, MockRandom(mocks)] : [...game.plugins!],
    ...(seed === undefined ? {} : { seed }),
  };
}

/** The intents the plugin stored in `state`. */
export function intentsOf(state: Pick<State, 'plugins'>): VerificationIntent[] {
  return (state.plugins[VERIFICATION_PLUGIN_NAME]!.data as VerificationData).intents;
}

/** A started single-player client of `game`, read from its raw store. */
export function startClient<G>(game: Game<G, WithVerification>, numPlayers: number) {
  const client = started(Client<G, WithVerification>({ game, numPlayers }));
  const raw = () => client.store.getState() as State<G>;
  return {
    client,
    raw,
    G: () => raw().G,
    intents: () => intentsOf(raw()),
    /** The moves as seat `playerID`. */
    as: (playerID: string): Moves => {
      client.updatePlayerID(playerID);
      return client.moves as Moves;
    },
  };
}

/** A single-player client from `startClient`. */
export type GameClient<G> = ReturnType<typeof startClient<G>>;

/** Runs `act` and checks boardgame.io refused it for `reason` and nothing changed. */
export function expectRefused<G>(m: GameClient<G>, act: () => void, reason: string): void {
  const before = m.raw();
  const intents = m.intents();
  const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
  act();
  expect(spy).toHaveBeenCalledWith('ERROR:', expect.stringContaining(reason));
  spy.mockRestore();
  expect(m.raw()._stateID).toBe(before._stateID);
  expect(m.G()).toEqual(before.G);
  expect(m.raw().ctx).toEqual(before.ctx);
  expect(m.intents()).toEqual(intents);
}

/** The intent `{player, reason, by, requestedBy}` the plugin records. */
export function intent(
  player: string,
  reason: string,
  requestedBy: string,
  by: 'rules' | 'self' = 'rules',
): VerificationIntent {
  return { player, reason, by, requestedBy };
}

/**
 * Started `Local()` clients of `game`, one per entry of `playerIDs` (`undefined` is a
 * spectator), and `stored()`: the state their master stored, as the server would. `game` must be
 * a fresh object: `Local()` keeps one master per game object.
 */
export function localSeats<G, const IDs extends ReadonlyArray<string | undefined>>(
  game: Game<G, WithVerification>,
  numPlayers: number,
  playerIDs: IDs,
) {
  const seat = (playerID: string | undefined) =>
    started(
      Client<G, WithVerification>({
        game,
        numPlayers,
        multiplayer: Local(),
        ...(playerID === undefined ? {} : { playerID }),
      }),
    );
  const clients = playerIDs.map(seat) as { -readonly [K in keyof IDs]: ReturnType<typeof seat> };
  const first = clients[0]!;
  // The Local transport's master and its InMemory storage.
  const master = (first as unknown as { transport: { master: { storageAPI: any } } }).transport
    .master;
  const stored = (): State<G> => master.storageAPI.fetch(first.matchID, { state: true }).state;
  return { clients, stored };
}

/** Polls `check` every 10 ms until it holds, for up to `ms` (2 s). */
export function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  return waitFor(check, what, ms).then(() => undefined);
}

/** Waits until every client has a state, or (with `stateID`) that very state. */
export function caughtUp(
  clients: ReadonlyArray<{ getState(): { _stateID: number } | null }>,
  stateID?: number,
): Promise<void> {
  return until(
    () =>
      clients.every((client) => {
        const state = client.getState();
        return state !== null && (stateID === undefined || state._stateID === stateID);
      }),
    stateID === undefined ? 'every client to sync' : `every client to reach state ${stateID}`,
  );
}

/** The seats of a room: `keyholders` keyholder seats first, then `wearers` wearer seats. */
export function roomSeats(wearers: number, keyholders = 0): SeatRole[] {
  return [
    ...Array.from({ length: keyholders }, (): SeatRole => 'keyholder'),
    ...Array.from({ length: wearers }, (): SeatRole => 'wearer'),
  ];
}
