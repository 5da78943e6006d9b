/**
 * Forged socket traffic against a real game server (docs/design.md, Promises: "Forged socket actions
 * (RESET, UPDATE, SYNC, PLUGIN, automatic) are rejected; sync to an unknown match does not create
 * one"; docs/security.md, "Socket packets"). Packets are sent through a raw socket.io client with
 * the shapes boardgame.io's own client uses. A match's packets are processed in order, so each
 * forged packet is followed by a valid `pass` on the same socket: once that pass is stored, anything
 * the forged packet could have done has landed, and the store must show exactly one more action —
 * the pass. The guard disconnects a socket at its eighth refused packet in a row, so forged packets
 * go in batches of at most seven, each ended by that pass (which resets the count). A `sync` needs a
 * seat and its credentials: there are no anonymous spectators, and whoever listens is a player.
 */
import type { LogEntry, Server as ServerTypes, State } from 'boardgame.io';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { host, join, makeMove, startStack, until } from '../helpers/stack.js';
import type { Seat, Stack } from '../helpers/stack.js';

/** Refused packets in a row at which the guard disconnects a socket. */
const MAX_REFUSALS = 8;

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

/** A raw socket.io connection to the penalty game's namespace, like boardgame.io's client opens. */
async function rawSocket(stack: Stack): Promise<Socket & { id: string }> {
  const socket = io(`${stack.url}/penalty`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket as Socket & { id: string };
}

interface Room {
  stack: Stack;
  matchID: string;
  seats: [Seat, Seat];
  sessionIds: [string, string];
  socket: Socket & { id: string };
}

/** A two-seat penalty room, both wearers with the Verification Picture extension, and a raw socket. */
async function room(): Promise<Room> {
  const stack = await startStack({ games: [PenaltyGame] });
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock();
  const { matchID, seat } = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
  const seatB = await join(stack, b.tokens.wearer, matchID);
  const socket = await rawSocket(stack);
  return { stack, matchID, seats: [seat, seatB], sessionIds: [a.sessionId, b.sessionId], socket };
}

interface Snapshot {
  state: State;
  log: LogEntry[];
  metadata: ServerTypes.MatchData;
}

function snapshot(stack: Stack, matchID: string): Snapshot {
  const { state, log, metadata } = stack.server.store.fetch(matchID, {
    state: true,
    log: true,
    metadata: true,
  });
  expect(state).toBeDefined();
  return { state: state!, log: log ?? [], metadata: metadata! };
}

/** Refusals the guard logged for one socket. */
function refusals(stack: Stack, socketID: string): Array<Record<string, unknown>> {
  return stack.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === 'socket packet refused' && entry.socket === socketID);
}

/** Sends seat 0's valid `pass` on the room's socket and waits until it is stored. */
async function validPass(r: Room, before: Snapshot): Promise<void> {
  r.socket.emit('update', makeMove('pass', r.seats[0]), before.state._stateID, r.matchID, '0');
  await until(
    () => snapshot(r.stack, r.matchID).state._stateID > before.state._stateID,
    'the valid pass to be stored',
  );
}

/** The store holds exactly one more action than `before` — seat 0's pass — and nothing was sent. */
async function expectOnlyThePass(r: Room, before: Snapshot): Promise<void> {
  const after = snapshot(r.stack, r.matchID);
  expect(after.state._stateID).toBe(before.state._stateID + 1);
  expect(after.state.G).toEqual({ moves: before.state.G.moves + 1 });
  expect(after.state.ctx.gameover).toBeUndefined();
  expect(after.metadata.gameover).toBeUndefined();
  expect(after.state.plugins.verification?.data).toEqual({ intents: [] });
  expect(after.log).toHaveLength(before.log.length + 1);
  const last = after.log.at(-1)!;
  expect(last).toMatchObject({
    _stateID: before.state._stateID,
    action: { type: 'MAKE_MOVE', payload: { type: 'pass', args: [], playerID: '0' } },
  });
  expect(last.automatic).toBeUndefined();
  expect(await r.stack.server.repository.requestsOf(r.matchID)).toEqual([]);
  expect(r.stack.emulator.requests()).toEqual([]);
}

/**
 * Runs `forge` (which sends `count` forged packets on the room's socket), then a valid pass, and
 * checks that the guard refused every forged packet and that only the pass changed the match.
 * Returns the refusals logged for this batch.
 */
async function expectForgedRefused(
  r: Room,
  count: number,
  forge: (before: Snapshot) => void,
): Promise<Array<Record<string, unknown>>> {
  // More in a row would (rightly) disconnect the socket before the pass.
  expect(count).toBeLessThan(MAX_REFUSALS);
  const earlier = refusals(r.stack, r.socket.id).length;
  const before = snapshot(r.stack, r.matchID);
  forge(before);
  await validPass(r, before);
  await expectOnlyThePass(r, before);
  await until(
    () => refusals(r.stack, r.socket.id).length >= earlier + count,
    `${count} refusals logged`,
  );
  const refused = refusals(r.stack, r.socket.id).slice(earlier);
  expect(refused).toHaveLength(count);
  expect(r.socket.connected).toBe(true);
  return refused;
}

/** A raw socket synced as one of the room's seats, recording every event it receives. */
async function seatedSocket(
  r: Room,
  seat: Seat,
): Promise<{ socket: Socket & { id: string }; received: Array<[string, unknown[]]> }> {
  const socket = await rawSocket(r.stack);
  const received: Array<[string, unknown[]]> = [];
  socket.onAny((event: string, ...args: unknown[]) => received.push([event, args]));
  socket.emit('sync', r.matchID, seat.playerID, seat.credentials, 2);
  await until(() => received.some(([event]) => event === 'sync'), `seat ${seat.playerID}’s sync`);
  return { socket, received };
}

describe('socket guard: a valid move still works (positive control)', () => {
  it('accepts a seated player’s pass and lose through a raw socket, and sends the request', async () => {
    const r = await room();
    const before = snapshot(r.stack, r.matchID);
    await validPass(r, before);
    await expectOnlyThePass(r, before);

    r.socket.emit(
      'update',
      makeMove('lose', r.seats[0]),
      before.state._stateID + 1,
      r.matchID,
      '0',
    );
    await until(() => r.stack.emulator.requests().length === 1, 'the lose to reach Chaster');
    expect(r.stack.emulator.requests()).toEqual([
      { sessionId: r.sessionIds[0], actor: 'extension', status: 201, at: expect.any(String) },
    ]);
    expect(snapshot(r.stack, r.matchID).state.G).toEqual({ moves: 2 });
    expect(refusals(r.stack, r.socket.id)).toEqual([]);
  });
});

describe('socket guard: forged update actions are refused', () => {
  it.each(['RESET', 'UPDATE', 'SYNC'])(
    'a forged %s replacing the state (gameover, G, an intent, a deltalog) changes nothing and sends nothing',
    async (type) => {
      const r = await room();
      await expectForgedRefused(r, 1, (before) => {
        const forged = structuredClone(before.state) as State & { deltalog?: LogEntry[] };
        forged.G = { moves: 999 };
        forged.ctx = { ...forged.ctx, gameover: { winner: '0' } };
        forged._stateID = before.state._stateID + 1;
        forged.plugins = {
          ...forged.plugins,
          verification: {
            data: { intents: [{ player: '1', reason: 'forged', by: 'rules', requestedBy: null }] },
          },
        };
        forged.deltalog = [
          {
            action: {
              type: 'MAKE_MOVE',
              payload: { type: 'lose', args: [], playerID: '1' },
            },
            _stateID: before.state._stateID,
            turn: forged.ctx.turn,
            phase: forged.ctx.phase,
          } as LogEntry,
        ];
        const action = {
          type,
          state: forged,
          deltalog: forged.deltalog,
          log: forged.deltalog,
          initialState: forged,
          clientOnly: false,
          payload: { type: 'pass', args: [], playerID: '0', credentials: r.seats[0].credentials },
        };
        r.socket.emit('update', action, before.state._stateID, r.matchID, '0');
      });
    },
  );

  it('a forged PLUGIN action is refused', async () => {
    const r = await room();
    const refused = await expectForgedRefused(r, 2, (before) => {
      for (const plugin of ['verification', 'events']) {
        const action = {
          type: 'PLUGIN',
          payload: {
            type: plugin,
            args: [{ intents: [{ player: '1', reason: 'forged', by: 'rules' }] }],
            playerID: '0',
            credentials: r.seats[0].credentials,
          },
        };
        r.socket.emit('update', action, before.state._stateID, r.matchID, '0');
      }
    });
    expect(refused.map((e) => e.event)).toEqual(['update', 'update']);
  });

  it('a MAKE_MOVE or GAME_EVENT marked automatic is refused', async () => {
    const r = await room();
    await expectForgedRefused(r, 2, (before) => {
      r.socket.emit(
        'update',
        { ...makeMove('lose', r.seats[0]), automatic: true },
        before.state._stateID,
        r.matchID,
        '0',
      );
      r.socket.emit(
        'update',
        {
          type: 'GAME_EVENT',
          payload: {
            type: 'endTurn',
            args: [],
            playerID: '0',
            credentials: r.seats[0].credentials,
          },
          automatic: true,
        },
        before.state._stateID,
        r.matchID,
        '0',
      );
    });
  });

  it('a disabled GAME_EVENT (endGame in PenaltyGame) is refused', async () => {
    const r = await room();
    await expectForgedRefused(r, 1, (before) => {
      r.socket.emit(
        'update',
        {
          type: 'GAME_EVENT',
          payload: {
            type: 'endGame',
            args: [{ winner: '0' }],
            playerID: '0',
            credentials: r.seats[0].credentials,
          },
        },
        before.state._stateID,
        r.matchID,
        '0',
      );
    });
  });

  it('UNDO and REDO are refused in a game with disableUndo', async () => {
    const r = await room();
    // A lose first, so that an accepted undo would have something to take back.
    const start = snapshot(r.stack, r.matchID);
    r.socket.emit('update', makeMove('lose', r.seats[0]), start.state._stateID, r.matchID, '0');
    await until(() => r.stack.emulator.requests().length === 1, 'the lose to reach Chaster');
    const sent = r.stack.emulator.requests();
    // Its outcome is written after Chaster answers: compare rows once it is final.
    const rows = await until(async () => {
      const list = await r.stack.server.repository.requestsOf(r.matchID);
      return list.length === 1 && list[0]!.status === 'delivered' ? list : undefined;
    }, 'the lose to be recorded as delivered');

    const before = snapshot(r.stack, r.matchID);
    for (const type of ['UNDO', 'REDO']) {
      // As boardgame.io's client builds it, and with a string move type.
      for (const moveType of [null, 'lose']) {
        r.socket.emit(
          'update',
          {
            type,
            payload: {
              type: moveType,
              args: null,
              playerID: '0',
              credentials: r.seats[0].credentials,
            },
          },
          before.state._stateID,
          r.matchID,
          '0',
        );
      }
    }
    await validPass(r, before);
    await until(() => refusals(r.stack, r.socket.id).length >= 4, '4 refusals logged');
    const after = snapshot(r.stack, r.matchID);
    expect(after.state._stateID).toBe(before.state._stateID + 1);
    expect(after.state.G).toEqual({ moves: before.state.G.moves + 1 });
    expect(after.log).toHaveLength(before.log.length + 1);
    expect(after.log.at(-1)!.action).toMatchObject({
      type: 'MAKE_MOVE',
      payload: { type: 'pass' },
    });
    expect(await r.stack.server.repository.requestsOf(r.matchID)).toEqual(rows);
    expect(r.stack.emulator.requests()).toEqual(sent);
    expect(refusals(r.stack, r.socket.id)).toHaveLength(4);
  });

  it('a move whose payload.playerID differs from the packet’s playerID is refused', async () => {
    const r = await room();
    const refused = await expectForgedRefused(r, 2, (before) => {
      // Seat 0's credentials, acting as seat 1 inside the action.
      const asOther = makeMove('lose', r.seats[0]);
      asOther.payload.playerID = '1';
      r.socket.emit('update', asOther, before.state._stateID, r.matchID, '0');
      // And the other way round: the packet claims seat 1, the action and credentials are seat 0's.
      r.socket.emit('update', makeMove('lose', r.seats[0]), before.state._stateID, r.matchID, '1');
    });
    expect(refused.map((e) => e.refusal)).toEqual([
      expect.stringMatching(/seat/),
      expect.stringMatching(/seat/),
    ]);
  });

  it('wrong credentials are refused', async () => {
    const r = await room();
    await expectForgedRefused(r, 4, (before) => {
      const stateID = before.state._stateID;
      const guessed = `${r.matchID}.0.${'A'.repeat(32)}`;
      r.socket.emit(
        'update',
        makeMove('lose', { playerID: '0', credentials: guessed }),
        stateID,
        r.matchID,
        '0',
      );
      r.socket.emit(
        'update',
        makeMove('lose', { playerID: '0', credentials: 'secret' }),
        stateID,
        r.matchID,
        '0',
      );
      r.socket.emit(
        'update',
        makeMove('lose', { playerID: '0', credentials: '' }),
        stateID,
        r.matchID,
        '0',
      );
      const none = makeMove('lose', r.seats[0]) as { payload: Record<string, unknown> };
      delete none.payload.credentials;
      r.socket.emit('update', none, stateID, r.matchID, '0');
    });
  });

  it('another seat’s credentials are refused', async () => {
    const r = await room();
    await expectForgedRefused(r, 1, (before) => {
      r.socket.emit(
        'update',
        makeMove('lose', { playerID: '0', credentials: r.seats[1].credentials }),
        before.state._stateID,
        r.matchID,
        '0',
      );
    });
  });

  it('credentials of another match are refused', async () => {
    const r = await room();
    const other = await host(r.stack, r.stack.emulator.createLock().tokens.wearer, {
      game: 'penalty',
      numPlayers: 2,
    });
    expect(other.seat.playerID).toBe('0');
    await expectForgedRefused(r, 1, (before) => {
      r.socket.emit('update', makeMove('lose', other.seat), before.state._stateID, r.matchID, '0');
    });
    // The other match is untouched too.
    expect(snapshot(r.stack, other.matchID).state._stateID).toBe(0);
  });

  it('move arguments the game does not declare are refused; declared ones are played', async () => {
    const r = await room();
    // PenaltyGame declares lose: [] | [seat] and ask: [seat]; pass and finish take none.
    const refused = await expectForgedRefused(r, 7, (before) => {
      const stateID = before.state._stateID;
      const send = (move: string, args: unknown) =>
        r.socket.emit(
          'update',
          makeMove(move, r.seats[0], args as unknown[]),
          stateID,
          r.matchID,
          '0',
        );
      send('pass', ['x']);
      send('finish', [null]);
      send('lose', ['0', '1']); // one seat at most
      send('lose', [1]); // a seat is a string
      send('lose', ['100']); // seats are "0" to "99"
      send('lose', '1'); // not a list
      send('ask', []); // ask names its target
    });
    expect(refused.map((e) => e.refusal)).toEqual([
      'arguments not accepted by move pass',
      'arguments not accepted by move finish',
      ...Array(4).fill('arguments not accepted by move lose'),
      'arguments not accepted by move ask',
    ]);

    // lose(seat) is declared: it is played, with its argument, and asks seat 1 for a picture.
    const before = snapshot(r.stack, r.matchID);
    r.socket.emit(
      'update',
      makeMove('lose', r.seats[0], ['1']),
      before.state._stateID,
      r.matchID,
      '0',
    );
    await until(() => r.stack.emulator.requests().length === 1, 'the lose to reach Chaster');
    expect(r.stack.emulator.requests()[0]!.sessionId).toBe(r.sessionIds[1]);
    const after = snapshot(r.stack, r.matchID);
    expect(after.state._stateID).toBe(before.state._stateID + 1);
    expect(after.log.at(-1)!.action.payload).toMatchObject({ type: 'lose', args: ['1'] });
    expect(refusals(r.stack, r.socket.id)).toHaveLength(7);
  });
});

describe('socket guard: other packets are refused', () => {
  it('chat packets are dropped and never broadcast', async () => {
    const r = await room();
    // The other player listens on a socket synced with seat 1's credentials.
    const { received } = await seatedSocket(r, r.seats[1]);

    await expectForgedRefused(r, 2, () => {
      const message = { id: 'c1', sender: '0', payload: 'hello' };
      r.socket.emit('chat', r.matchID, message, r.seats[0].credentials);
      r.socket.emit(
        'chat',
        r.matchID,
        { ...message, id: 'c2', sender: '1' },
        r.seats[1].credentials,
      );
    });
    // The pass sent after the chat reached the other player; the chat never did.
    await until(
      () => received.some(([event]) => event === 'update' || event === 'patch'),
      'the other player to receive the pass',
    );
    expect(received.map(([event]) => event)).not.toContain('chat');
  });

  it('unknown event names are refused', async () => {
    const r = await room();
    const names = ['foo', 'matchData', 'patch', 'leave', 'toString', '__proto__', 'update '];
    await expectForgedRefused(r, names.length, (before) => {
      for (const name of names) {
        r.socket.emit(name, makeMove('lose', r.seats[0]), before.state._stateID, r.matchID, '0');
      }
    });
  });

  it('wrong argument types and huge strings are refused', async () => {
    const r = await room();
    const huge = 'x'.repeat(7_000); // two of them still fit in one 16 KiB message
    const lose = makeMove('lose', r.seats[0]);
    let count = 0;
    const send = (...args: unknown[]) => {
      count += 1;
      r.socket.emit('update', ...args);
    };
    // Two batches of six: twelve refusals in a row would disconnect the socket.
    await expectForgedRefused(r, 6, (before) => {
      const stateID = before.state._stateID;
      send(lose, String(stateID), r.matchID, '0'); // stateID as a string
      send(lose, -1, r.matchID, '0');
      send(lose, stateID + 0.5, r.matchID, '0');
      send(null, stateID, r.matchID, '0'); // action null
      send('MAKE_MOVE', stateID, r.matchID, '0');
      send(lose, stateID, [r.matchID], '0');
    });
    await expectForgedRefused(r, 6, (before) => {
      const stateID = before.state._stateID;
      send(lose, stateID, r.matchID, 0); // playerID as a number
      send(); // no arguments at all
      send(lose, stateID, huge, '0'); // huge matchID
      send(makeMove('lose', { playerID: '0', credentials: huge }), stateID, r.matchID, '0');
      send(makeMove(huge, r.seats[0]), stateID, r.matchID, '0'); // huge move name
      send({ ...lose, payload: { ...lose.payload, playerID: huge } }, stateID, r.matchID, huge);
    });
    expect(count).toBe(12);
    expect(refusals(r.stack, r.socket.id)).toHaveLength(12);
    // What is logged of a refused packet stays short.
    for (const line of r.stack.logs) expect(line.length).toBeLessThan(2_000);
  });

  it('a message over the 16 KiB socket limit drops that connection; the server keeps serving', async () => {
    const r = await room();
    const before = snapshot(r.stack, r.matchID);
    // Under the limit, a message reaches the guard: a pass with 15 KiB of arguments is refused
    // (pass takes none), and the connection stays.
    r.socket.emit(
      'update',
      makeMove('pass', r.seats[0], ['x'.repeat(15 * 1024)]),
      before.state._stateID,
      r.matchID,
      '0',
    );
    const socketID = r.socket.id;
    await until(() => refusals(r.stack, socketID).length === 1, 'the 15 KiB pass refused');
    expect(r.socket.connected).toBe(true);

    const closed = new Promise<string>((resolve) => {
      r.socket.once('disconnect', resolve);
      setTimeout(() => resolve('still connected after 3 s'), 3_000);
    });
    // Over it: the same pass with 17 KiB of arguments never reaches the guard.
    r.socket.emit(
      'update',
      makeMove('pass', r.seats[0], ['x'.repeat(17 * 1024)]),
      before.state._stateID,
      r.matchID,
      '0',
    );
    expect(await closed).toMatch(/transport (close|error)/);
    expect(refusals(r.stack, socketID)).toHaveLength(1);

    // A fresh connection is served and its valid move is accepted.
    r.socket = await rawSocket(r.stack);
    await validPass(r, before);
    await expectOnlyThePass(r, before);
    const health = await fetch(`${r.stack.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('an accepted packet resets the refusal count; the eighth refusal in a row disconnects the socket', async () => {
    const r = await room();
    const forgeSeven = () => {
      for (let i = 0; i < MAX_REFUSALS - 1; i++) {
        r.socket.emit('chat', r.matchID, { id: `c${i}`, sender: '0', payload: 'hi' });
      }
    };
    // Seven refused, then an accepted pass, twice: fourteen refusals, never eight in a row.
    await expectForgedRefused(r, MAX_REFUSALS - 1, forgeSeven);
    await expectForgedRefused(r, MAX_REFUSALS - 1, forgeSeven);
    const socketID = r.socket.id;
    expect(refusals(r.stack, socketID)).toHaveLength(2 * (MAX_REFUSALS - 1));

    // Eight in a row: the server disconnects the socket, and a lose queued behind them is not played.
    const before = snapshot(r.stack, r.matchID);
    const closed = new Promise<string>((resolve) => {
      r.socket.once('disconnect', resolve);
      setTimeout(() => resolve('still connected after 3 s'), 3_000);
    });
    for (let i = 0; i < MAX_REFUSALS; i++) r.socket.emit('nope', r.matchID);
    r.socket.emit('update', makeMove('lose', r.seats[0]), before.state._stateID, r.matchID, '0');
    expect(await closed).toBe('io server disconnect');
    // The disconnect is logged, once, for that socket.
    const logged = r.stack.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => String(e.msg).startsWith('socket disconnected') && e.socket === socketID);
    expect(logged).toHaveLength(1);
    expect(refusals(r.stack, socketID)).toHaveLength(3 * MAX_REFUSALS - 2);

    // A new socket plays; the match holds only its pass, and nothing was sent to Chaster.
    r.socket = await rawSocket(r.stack);
    await validPass(r, before);
    await expectOnlyThePass(r, before);
  });
});

describe('socket guard: sync', () => {
  it('sync of an unknown matchID does not create a match', async () => {
    const r = await room();
    const unknownID = 'no-such-match-123';
    const syncs: unknown[] = [];
    r.socket.on('sync', (matchID: unknown) => syncs.push(matchID));
    r.socket.emit('sync', unknownID, null, null, 2);
    r.socket.emit('sync', unknownID, '0', r.seats[0].credentials, 2);
    r.socket.emit('sync', unknownID, '0', `${unknownID}.0.${'A'.repeat(32)}`, 4);
    await until(() => refusals(r.stack, r.socket.id).length >= 3, '3 refusals logged');
    // A sync that is allowed, on the same socket: it is answered after the forged ones were judged.
    r.socket.emit('sync', r.matchID, '0', r.seats[0].credentials, 2);
    await until(() => syncs.includes(r.matchID), 'seat 0’s sync of the real match');

    expect(syncs).toEqual([r.matchID]);
    expect(r.stack.server.store.fetch(unknownID, { metadata: true }).metadata).toBeUndefined();
    expect(r.stack.server.store.fetch(unknownID, { state: true }).state).toBeUndefined();
    expect(r.stack.server.store.listMatches()).toEqual([r.matchID]);
    expect(refusals(r.stack, r.socket.id)).toHaveLength(3);
  });

  it('a spectator sync (no playerID) is refused and answered with nothing', async () => {
    const r = await room();
    const watcher = await rawSocket(r.stack);
    const received: Array<[string, unknown[]]> = [];
    watcher.onAny((event: string, ...args: unknown[]) => received.push([event, args]));
    watcher.emit('sync', r.matchID, null, null, 2);
    watcher.emit('sync', r.matchID, null, null);
    watcher.emit('sync', r.matchID);
    // Credentials without a seat, and a seat without credentials.
    watcher.emit('sync', r.matchID, null, r.seats[0].credentials, 2);
    watcher.emit('sync', r.matchID, '0', null, 2);
    watcher.emit('sync', r.matchID, '1', '', 2);
    await until(() => refusals(r.stack, watcher.id).length >= 6, '6 refusals logged');
    expect(refusals(r.stack, watcher.id).map((e) => e.event)).toEqual(Array(6).fill('sync'));

    // A move is made: the watcher is in no match, so nothing of it is sent to the watcher.
    const before = snapshot(r.stack, r.matchID);
    await validPass(r, before);
    // Then the watcher syncs as seat 1. Frames arrive in order: had a spectator sync been
    // answered, or the pass been broadcast to the watcher, it would have come before this answer.
    watcher.emit('sync', r.matchID, '1', r.seats[1].credentials, 2);
    await until(() => received.length > 0, 'seat 1’s sync');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // After it, only the seats' connection status (matchData) that this sync itself changed.
    const events = received.map(([event]) => event);
    expect(events[0]).toBe('sync');
    expect(events.slice(1).filter((event) => event !== 'matchData')).toEqual([]);
    const [matchID, info] = received[0]![1] as [string, { state: State }];
    expect(matchID).toBe(r.matchID);
    expect(info.state._stateID).toBe(before.state._stateID + 1);
    expect(refusals(r.stack, watcher.id)).toHaveLength(6);
  });

  it('a seat’s sync needs that seat’s credentials, and its answer hides the initial G and seed', async () => {
    const r = await room();
    const syncs: Array<[string, { state: State; initialState: State }]> = [];
    r.socket.on('sync', (matchID: string, info: { state: State; initialState: State }) =>
      syncs.push([matchID, info]),
    );
    r.socket.emit('sync', r.matchID, '0', r.seats[1].credentials, 2);
    r.socket.emit('sync', r.matchID, '1', 'not-the-credentials', 2);
    await until(() => refusals(r.stack, r.socket.id).length >= 2, '2 refusals logged');
    expect(syncs).toEqual([]);
    r.socket.emit('sync', r.matchID, '0', r.seats[0].credentials, 2);
    await until(() => syncs.length > 0, 'the seat’s sync');
    expect(syncs.map(([matchID]) => matchID)).toEqual([r.matchID]);
    const [, info] = syncs[0]!;
    expect(info.state.G).toEqual({ moves: 0 });
    expect(info.state._stateID).toBe(0);
    // boardgame.io 0.50.2 sends the initial state unfiltered (#1159): ours carries no G (a deck)
    // and no plugin data (the random seed).
    expect(info.initialState.G).toEqual({});
    expect(info.initialState.plugins).toEqual({});
    expect(refusals(r.stack, r.socket.id)).toHaveLength(2);
  });
});
