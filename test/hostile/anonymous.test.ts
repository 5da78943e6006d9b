/**
 * Nothing anonymous can break a match (docs/security.md): the classes of attack found against
 * boardgame.io 0.50.2's surface, each tried against a real server — one instance on SQLite, and two
 * instances sharing Postgres and Redis with the players on different instances — by an outsider
 * with no account and by an ordinary signed-in user:
 * 1. socket packets in any order (overlapping syncs, disconnects) cannot stop a match storing moves;
 * 2. boardgame.io's Lobby is not served in any spelling, and a match without a room sends nothing;
 * 3. every match is seeded from a CSPRNG and the seed never reaches a client;
 * 4. move arguments are what the game declares, and a sync sends a bounded log;
 * 5. the socket handshake checks Origin against the HTTP allow-list and caps open sockets, and no
 *    malformed handshake reaches socket.io's engine (one used to end the process); an event named
 *    "error" and a flood of CONNECT packets on one connection are refused too.
 */
import { connect as tcpConnect } from 'node:net';
import type { LogEntry, State } from 'boardgame.io';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DiceDuel } from '../../game/dice-duel.js';
import { VerifyCards } from '../../game/verify-cards.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { needServices } from '../helpers/services-suite.js';
import { api, makeMove, until } from '../helpers/stack.js';
import type { Seat } from '../helpers/stack.js';
import { room, startTarget } from '../helpers/targets.js';
import type { Target } from '../helpers/targets.js';

const missing = needServices('The Postgres + Redis half of the anonymous-attack tests');
const ALLOWED_ORIGIN = 'https://games.example.com';
const SOCKET_CAP_PER_ADDRESS = 12;

/** The servers' options besides storage: two origins to tell apart, a small socket cap. */
const TARGET_OPTIONS = {
  games: [PenaltyGame, DiceDuel, VerifyCards],
  origins: [ALLOWED_ORIGIN],
  sockets: { maxSocketsPerAddress: SOCKET_CAP_PER_ADDRESS },
  limits: TEST_LIMITS,
};

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

/** A raw socket.io connection to a game's namespace, as boardgame.io's client opens one. */
function rawSocket(
  url: string,
  game: string,
  options: { origin?: string; transport?: 'websocket' | 'polling' } = {},
): Socket {
  const socket = io(`${url}/${game}`, {
    transports: [options.transport ?? 'websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.origin ? { origin: options.origin } : undefined,
  });
  sockets.push(socket);
  return socket;
}

/** Whether the socket connects (true) or its handshake is refused (false). */
function connects(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', () => resolve(false));
  });
}

async function connected(url: string, game: string): Promise<Socket> {
  const socket = rawSocket(url, game);
  expect(await connects(socket)).toBe(true);
  return socket;
}

async function stored(target: Target, matchID: string): Promise<State> {
  const { state } = await target.servers[0]!.store.fetch(matchID, { state: true });
  return state!;
}

/** Every frame a socket receives, as JSON text. */
function frames(socket: Socket): string[] {
  const seen: string[] = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push(JSON.stringify([event, args])));
  return seen;
}

/** A seat's `pass`, sent on its own socket; resolves once the store holds it. */
async function pass(target: Target, socket: Socket, matchID: string, seat: Seat): Promise<void> {
  const before = (await stored(target, matchID))._stateID;
  socket.emit('update', makeMove('pass', seat), before, matchID, seat.playerID);
  await until(
    async () => (await stored(target, matchID))._stateID === before + 1,
    'the pass to be stored',
  );
}

const KINDS = ['sqlite', 'postgres'] as const;

describe.each(KINDS)('on %s', (kind) => {
  const skip = () => kind === 'postgres' && missing() !== undefined;

  it('no sequence of syncs, moves and disconnects from others stops a match from storing moves or recording requests', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    // The victim's room has a third seat, taken by an ordinary signed-in attacker.
    const victim = await room(target, 'penalty', 3);
    const own = await room(target, 'penalty', 2, 0);
    const attacker = victim.seats[2]!;
    const ownSeat = own.seats[0]!;
    const player = await connected(target.urls[0]!, 'penalty');
    player.emit('sync', victim.matchID, '0', victim.seats[0]!.credentials, 3);
    const other = await connected(target.urls[target.urls.length - 1]!, 'penalty');
    const otherFrames = frames(other);
    other.emit('sync', victim.matchID, '1', victim.seats[1]!.credentials, 3);
    await until(() => otherFrames.length > 0, 'the other player synced');

    type Step =
      | { kind: 'sync'; who: 'anonymous' | 'seated' | 'elsewhere' | 'bogus'; on: number }
      | { kind: 'update'; who: 'anonymous' | 'seated' }
      | { kind: 'wait' }
      | { kind: 'disconnect' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('sync' as const),
        who: fc.constantFrom('anonymous', 'seated', 'elsewhere', 'bogus'),
        on: fc.nat(1),
      }),
      fc.record({
        kind: fc.constant('update' as const),
        who: fc.constantFrom('anonymous', 'seated'),
      }),
      fc.constant({ kind: 'wait' as const }),
      fc.constant({ kind: 'disconnect' as const }),
    );
    // What froze a match on boardgame.io's own transport: the seated attacker's socket syncs the
    // victim's match, then another match, and leaves once both syncs were answered.
    const freeze: Step[] = [
      { kind: 'sync', who: 'seated', on: 0 },
      { kind: 'sync', who: 'elsewhere', on: 0 },
      { kind: 'wait' },
      { kind: 'disconnect' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        let socket: Socket | undefined;
        for (const s of steps) {
          if (s.kind === 'disconnect') {
            socket?.disconnect();
            socket = undefined;
            continue;
          }
          if (s.kind === 'wait') {
            await new Promise((resolve) => setTimeout(resolve, 50));
            continue;
          }
          if (!socket || socket.disconnected) {
            const url = target.urls[(s.kind === 'sync' ? s.on : 0) % target.urls.length]!;
            socket = rawSocket(url, 'penalty');
          }
          if (s.kind === 'update') {
            const seat = s.who === 'seated' ? attacker : { playerID: '2', credentials: 'x' };
            socket.emit('update', makeMove('pass', seat), 0, victim.matchID, '2');
          } else if (s.who === 'anonymous') socket.emit('sync', victim.matchID, null, null, 3);
          else if (s.who === 'bogus') socket.emit('sync', victim.matchID, '0', 'forged', 3);
          else if (s.who === 'seated')
            socket.emit('sync', victim.matchID, '2', attacker.credentials, 3);
          else socket.emit('sync', own.matchID, '0', ownSeat.credentials, 2);
        }
        // Back-to-back, then gone: no await between the packets above and this disconnect.
        socket?.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 30));
        // The match still stores every move, reaches the other instance, and records requests.
        const seen = otherFrames.length;
        await pass(target, player, victim.matchID, victim.seats[0]!);
        await until(() => otherFrames.length > seen, 'the other player to hear the move');
      }),
      { numRuns: 12, examples: [[freeze]] },
    );
    const before = (await stored(target, victim.matchID))._stateID;
    player.emit('update', makeMove('lose', victim.seats[0]!), before, victim.matchID, '0');
    await until(
      () => target.emulator.requests().filter((r) => r.status === 201).length === 1,
      'the request of the lost round to reach Chaster',
    );
  });

  it("boardgame.io's Lobby answers 404 in every spelling and creates, joins and lists nothing", async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const victim = await room(target, 'dice-duel', 3, 1);
    const url = target.urls[0]!;
    const before = await target.servers[0]!.store.listMatches({});
    const flipCase = (text: string, mask: number[]) =>
      [...text].map((c, i) => ((mask[i] ?? 0) % 2 ? c.toUpperCase() : c)).join('');
    const encode = (text: string, mask: number[]) =>
      [...text]
        .map((c, i) =>
          (mask[i] ?? 0) % 3 === 2 && /[a-z]/i.test(c) ? `%${c.charCodeAt(0).toString(16)}` : c,
        )
        .join('');
    const action = fc.constantFrom(
      'create',
      `${victim.matchID}/join`,
      `${victim.matchID}/leave`,
      `${victim.matchID}/update`,
      `${victim.matchID}/rename`,
      `${victim.matchID}/playAgain`,
      '',
      victim.matchID,
    );
    await fc.assert(
      fc.asyncProperty(
        action,
        fc.array(fc.nat(5), { minLength: 60, maxLength: 60 }),
        fc.constantFrom('', '/', '//', '?x=1', '/.', ';'),
        fc.constantFrom('POST', 'GET', 'PUT', 'PATCH'),
        async (act, mask, tail, method) => {
          const raw = `/games/dice-duel/${act}`.replace(/\/$/, '');
          const path = encode(flipCase(raw, mask), mask.slice(7)) + tail;
          const res = await api(url, method, path.startsWith('/') ? path : `/${path}`, {
            body:
              method === 'GET'
                ? undefined
                : { numPlayers: 2, playerName: 'mallory', playerID: '2', data: 'x' },
          });
          expect([400, 404, 405], `${method} ${path}`).toContain(res.status);
          expect(res.json?.error, `${method} ${path}`).toEqual(expect.any(String));
          expect(JSON.stringify(res.json)).not.toContain('"players"');
        },
      ),
      { numRuns: 60 },
    );
    expect(await target.servers[0]!.store.listMatches({})).toEqual(before);
    const { metadata } = await target.servers[0]!.store.fetch(victim.matchID, { metadata: true });
    expect(metadata!.players[2]?.name).toBeUndefined();
  });

  it('a match without a room row sends nothing: its requests fail closed', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const r = await room(target, 'penalty', 2);
    await target.dropRoom(r.matchID);
    const socket = await connected(target.urls[0]!, 'penalty');
    socket.emit('sync', r.matchID, '0', r.seats[0]!.credentials, 2);
    for (let i = 0; i < 3; i++) {
      const before = (await stored(target, r.matchID))._stateID;
      socket.emit('update', makeMove('lose', r.seats[0]!), before, r.matchID, '0');
      await until(async () => (await stored(target, r.matchID))._stateID === before + 1, 'stored');
    }
    const rows = await until(async () => {
      const res = await api(target.urls[0]!, 'GET', `/api/rooms/${r.matchID}/verifications`, {
        token: r.seats[0]!.token,
      });
      const list = res.json.requests as Array<{ status: string; message: string }>;
      return list.length === 3 && list.every((x) => x.status === 'failed') ? list : undefined;
    }, 'the requests to fail');
    expect(rows[0]!.message).toMatch(/no room/);
    expect(target.emulator.requests()).toEqual([]);
  });

  it('every match is seeded from a CSPRNG, not the clock, and the seed reaches no client', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const a = await room(target, 'verify-cards', 2);
    const b = await room(target, 'dice-duel', 2);
    const seeds: string[] = [];
    for (const r of [a, b]) {
      const { initialState } = await target.servers[0]!.store.fetch(r.matchID, {
        initialState: false,
        state: true,
      } as { state: true; initialState?: boolean });
      expect(initialState).toBeUndefined();
      const state = await stored(target, r.matchID);
      const seed = (state.plugins.random?.data as { seed?: unknown } | undefined)?.seed;
      expect(seed).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // What boardgame.io would have used: Date.now() in base 36 near the room's creation.
      for (let d = -2000; d <= 2000; d++) expect(seed).not.toBe((r.createdAt + d).toString(36));
      seeds.push(seed as string);
      // Every frame a seated player receives on sync and on a move, on either instance.
      const socket = await connected(
        target.urls[target.urls.length - 1]!,
        r === a ? 'verify-cards' : 'dice-duel',
      );
      const seen = frames(socket);
      socket.emit('sync', r.matchID, '1', r.seats[1]!.credentials, 2);
      await until(() => seen.some((f) => f.startsWith('["sync"')), 'the sync');
      const move = r === a ? 'draw' : 'roll';
      const mover = r === a ? (state.G as { order: string[] }).order[0]! : '1';
      const seat = r.seats[Number(mover)]!;
      const moverSocket =
        mover === '1'
          ? socket
          : await connected(target.urls[0]!, r === a ? 'verify-cards' : 'dice-duel');
      if (mover !== '1') moverSocket.emit('sync', r.matchID, mover, seat.credentials, 2);
      moverSocket.emit('update', makeMove(move, seat), state._stateID, r.matchID, mover);
      await until(() => seen.some((f) => f.startsWith('["update"')), 'the move to be broadcast');
      for (const frame of seen) expect(frame).not.toContain(seed as string);
      const view = await api(target.urls[0]!, 'GET', `/api/rooms/${r.matchID}`, {
        token: r.seats[0]!.token,
      });
      expect(JSON.stringify(view.json)).not.toContain(seed as string);
    }
    expect(seeds[0]).not.toBe(seeds[1]);
  });

  it('move arguments the game does not declare are refused, and a sync sends a bounded log', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const r = await room(target, 'penalty', 2);
    const socket = await connected(target.urls[0]!, 'penalty');
    socket.emit('sync', r.matchID, '0', r.seats[0]!.credentials, 2);
    const seat = r.seats[0]!;
    const json = fc.jsonValue({ maxDepth: 3 });
    const refusedArgs = fc.oneof(
      fc.array(json, { minLength: 1, maxLength: 4 }).map((args) => ({ move: 'pass', args })),
      fc.string({ minLength: 300, maxLength: 4000 }).map((s) => ({ move: 'lose', args: [s] })),
      json
        .filter((v) => !(typeof v === 'string' && /^(0|[1-9]\d?)$/.test(v)))
        .map((v) => ({ move: 'ask', args: [v] })),
      fc.tuple(json, json).map(([x, y]) => ({ move: 'lose', args: ['0', x, y] })),
      json.filter((v) => !Array.isArray(v)).map((v) => ({ move: 'pass', args: v })),
    );
    await fc.assert(
      fc.asyncProperty(refusedArgs, async ({ move, args }) => {
        const before = await stored(target, r.matchID);
        socket.emit(
          'update',
          { ...makeMove(move, seat), payload: { ...makeMove(move, seat).payload, args } },
          before._stateID,
          r.matchID,
          '0',
        );
        // The next valid move is stored right after: the refused one left nothing behind.
        await pass(target, socket, r.matchID, seat);
        const { log } = await target.servers[0]!.store.fetch(r.matchID, { log: true });
        const last = (log as LogEntry[]).slice(-1)[0]!;
        expect(last.action.payload.type).toBe('pass');
        // Only passes were accepted, and every stored entry carries no arguments.
        for (const entry of log as LogEntry[]) expect(entry.action.payload.args ?? []).toEqual([]);
      }),
      { numRuns: 7 },
    );
    // Declared arguments pass.
    const before = (await stored(target, r.matchID))._stateID;
    socket.emit('update', makeMove('lose', seat, ['1']), before, r.matchID, '0');
    await until(async () => (await stored(target, r.matchID))._stateID === before + 1, 'lose(1)');
    // However long the match, a sync sends at most the latest 200 log entries.
    for (let i = 0; i < 230; i++) {
      socket.emit('update', makeMove('pass', seat), before + 1 + i, r.matchID, '0');
    }
    await until(
      async () => (await stored(target, r.matchID))._stateID === before + 231,
      'the passes to be stored',
    );
    const reader = await connected(target.urls[target.urls.length - 1]!, 'penalty');
    const seen: unknown[][] = [];
    reader.on('sync', (...args: unknown[]) => seen.push(args));
    reader.emit('sync', r.matchID, '1', r.seats[1]!.credentials, 2);
    await until(() => seen.length > 0, 'the sync');
    const log = (seen[0]![1] as { log: LogEntry[] }).log;
    expect(log).toHaveLength(200);
    expect(log[log.length - 1]!._stateID).toBe(before + 230);
  });

  it('a socket that keeps sending refused packets is disconnected', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const r = await room(target, 'penalty', 2);
    const socket = await connected(target.urls[0]!, 'penalty');
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < 20; i++) socket.emit('sync', r.matchID, null, null, 2);
    expect(await closed).toBe('io server disconnect');
  });

  it('the socket handshake refuses foreign origins and sockets over the cap; HTTP CORS uses the same list', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const r = await room(target, 'penalty', 2);
    const url = target.urls[target.urls.length - 1]!;
    const foreign = fc.oneof(
      fc.webUrl().map((u) => new URL(u).origin),
      fc.constantFrom(
        'null',
        'http://127.0.0.1.evil.example',
        'https://games.example.com.evil',
        'file://',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        foreign,
        fc.constantFrom('websocket', 'polling'),
        async (origin, transport) => {
          fc.pre(origin !== ALLOWED_ORIGIN && origin !== new URL(url).origin);
          const socket = rawSocket(url, 'penalty', { origin, transport: transport as 'websocket' });
          expect(await connects(socket), origin).toBe(false);
          const preflight = await fetch(`${url}/api/rooms`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST' },
          });
          expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
        },
      ),
      { numRuns: 15 },
    );
    for (const origin of [ALLOWED_ORIGIN, new URL(url).origin]) {
      const socket = rawSocket(url, 'penalty', { origin });
      expect(await connects(socket), origin).toBe(true);
      const seen = frames(socket);
      socket.emit('sync', r.matchID, '1', r.seats[1]!.credentials, 2);
      await until(() => seen.length > 0, 'the sync');
      socket.disconnect();
    }
    const allowed = await fetch(`${url}/api/rooms`, {
      headers: { origin: ALLOWED_ORIGIN, authorization: `Bearer ${r.seats[0]!.token}` },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    // Open sockets per address are capped; a closed one frees its place.
    await until(() => sockets.every((s) => s.disconnected), 'earlier sockets to close');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const open: Socket[] = [];
    for (let i = 0; i < SOCKET_CAP_PER_ADDRESS; i++) open.push(await connected(url, 'penalty'));
    expect(await connects(rawSocket(url, 'penalty'))).toBe(false);
    open[0]!.disconnect();
    await until(async () => connects(rawSocket(url, 'penalty')), 'a place to free up');
  });

  it('malformed websocket upgrades and resets mid-handshake are refused; the server keeps serving', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const url = new URL(target.urls[0]!);
    const junk = Array.from({ length: 2000 }, (_, i) => `x${i.toString(36)}: y`).join('\r\n');
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13';
    const path = 'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x';
    const variants = [
      // More headers than Node keeps: the Upgrade header itself is dropped.
      `${path}\r\n${junk}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}\r\n\r\n`,
      `${path}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      `${path}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 99\r\n\r\n`,
      `${path}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n${key}\r\n\r\n`,
      `POST /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}\r\n\r\n`,
      `GET /api/rooms HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}\r\n\r\n`,
      `${path}&sid=nope\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}\r\n\r\n`,
    ];
    for (const [i, request] of variants.entries()) {
      // Every other one is reset by the client right after it is written.
      const reset = i % 2 === 1;
      await new Promise<void>((resolve) => {
        const socket = tcpConnect(Number(url.port), url.hostname, () => {
          socket.write(request);
          if (reset) setTimeout(() => socket.resetAndDestroy(), 5);
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        setTimeout(() => socket.destroy(), 500);
      });
      const health = await fetch(`${target.urls[0]}/healthz`);
      expect(health.status, `after variant ${i}`).toBe(200);
    }
    // A well-formed socket still connects and plays.
    const r = await room(target, 'penalty', 2);
    const socket = await connected(target.urls[0]!, 'penalty');
    socket.emit('sync', r.matchID, '0', r.seats[0]!.credentials, 2);
    await pass(target, socket, r.matchID, r.seats[0]!);
  });

  it('an "error" event on any namespace and a flood of CONNECTs on one connection are refused; the server keeps serving', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, TARGET_OPTIONS);
    const base = target.urls[0]!.replace('http', 'ws');
    /** Raw socket.io frames on one websocket; resolves with what came back once it closed or 500 ms passed. */
    const frames = (sent: string[]) =>
      new Promise<{ got: string[]; closed: boolean }>((resolve) => {
        const ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket`);
        const got: string[] = [];
        let closed = false;
        ws.on('message', (data) => got.push(String(data)));
        ws.on('error', () => {});
        ws.on('open', async () => {
          for (const frame of sent) {
            if (ws.readyState !== WebSocket.OPEN) break;
            ws.send(frame);
            await new Promise((r) => setTimeout(r, 10));
          }
        });
        ws.on('close', () => (closed = true));
        setTimeout(() => {
          ws.terminate();
          resolve({ got, closed });
        }, 500);
      });
    const healthy = async () => expect((await fetch(`${target.urls[0]}/healthz`)).status).toBe(200);
    // The main namespace refuses every connect, so its "error" event never reaches a socket.
    const main = await frames(['40', '42["error","boom"]', '42["error"]']);
    expect(main.got.some((f) => f.startsWith('44'))).toBe(true);
    await healthy();
    // A game namespace has a listener for it.
    await frames(['40/penalty,', '42/penalty,["error","boom"]', '42/penalty,["error"]']);
    await healthy();
    // Twenty CONNECTs to one namespace on one connection: four sockets at most, then it is closed.
    const flood = await frames(Array.from({ length: 20 }, () => '40/penalty,'));
    const accepted = flood.got.filter((f) => f.startsWith('40/penalty,{'));
    expect(accepted.length).toBeLessThanOrEqual(4);
    expect(flood.closed).toBe(true);
    await healthy();
    // A legitimate player still plays.
    const r = await room(target, 'penalty', 2);
    const socket = await connected(target.urls[0]!, 'penalty');
    socket.emit('sync', r.matchID, '0', r.seats[0]!.credentials, 2);
    await pass(target, socket, r.matchID, r.seats[0]!);
  });
});
