/**
 * Abuse and privilege (issue 5, item 4):
 * (a) a client flooding moves cannot make more Chaster requests than the room's cap, and several
 *     rooms flooding together stay under the dispatcher's global token bucket;
 * (b) a wearer seat cannot produce actor `keyholder`, whatever moves and arguments it sends
 *     (arguments a move does not declare are refused before the game sees them);
 * (c) a player cannot target another seat except through the game's rules;
 * (d) tampered, expired and foreign bearer tokens are refused;
 * (e) there are no spectators: a sync without a seat's credentials gets nothing, and a seated
 *     player receives no credentials in any frame;
 * (f) the developer token, sessionIds and the webhook password are in neither the built client
 *     bundle nor its HTML, and the webhook password is in no API answer, SSE event, socket frame,
 *     answer of the (unserved) Lobby or log line.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath, resolve as resolvePath } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { games } from '../../game/index.js';
import { createChasterEmulator } from '../../src/emulator/index.js';
import { signToken } from '../../src/server/auth.js';
import { createGameServer, serveStatic } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { twoWearerRoom } from '../helpers/rooms.js';
import { api, host, join, login, makeMove, settled, startStack, until } from '../helpers/stack.js';
import type { Seat, Stack } from '../helpers/stack.js';
import {
  expectClientError,
  jsonLeaf,
  rawSocket,
  send,
  sendWithBearer,
  waitFor,
} from './helpers.js';
import { FULL, RUNS, TIMEOUT, params } from './runs.js';

const ROOT = resolvePath(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

type Socket = Awaited<ReturnType<typeof rawSocket>>;

function stateIDOf(stack: Stack, matchID: string): number {
  return stack.server.store.fetch(matchID, { state: true }).state!._stateID;
}

interface OutboxRecord {
  id: string;
  match_id: string;
  player_id: string;
  requester_id: string | null;
  requested_by: 'rules' | 'self';
  actor: string | null;
  status: string;
  message: string | null;
  attempts: number;
}

/** Every outbox row of the server, straight from SQLite. */
function outbox(stack: Stack): OutboxRecord[] {
  return stack.server.store.db
    .prepare(
      `SELECT id, match_id, player_id, requester_id, requested_by, actor, status, message, attempts FROM outbox ORDER BY created_at, id`,
    )
    .all() as OutboxRecord[];
}

/** Waits until every outbox row is final. */
async function allFinal(stack: Stack, ms = 10_000): Promise<OutboxRecord[]> {
  return until(
    () => {
      const rows = outbox(stack);
      return rows.every((r) => r.status !== 'queued' && r.status !== 'sending') ? rows : undefined;
    },
    'every request to be final',
    ms,
  );
}

// --- (a) flooding ------------------------------------------------------------------------------

describe('(a) flooding moves', () => {
  it(
    'a raw socket flooding `lose` as fast as it can gets at most the room cap (3) sent to Chaster',
    async () => {
      const stack = await startStack({ games: [PenaltyGame] });
      const { a, b, matchID, seat, seatB } = await twoWearerRoom(stack, {
        rules: { cooldownSeconds: 0, maxRequestsPerMatch: 3 },
      });
      const socket = await rawSocket(stack, 'penalty');
      const flood = FULL ? 1_000 : 150;
      // Both seats, alternately, each move with the stateID the previous one will have made. The
      // server disconnects a socket with more than 256 packets waiting for its guard, so the full
      // run floods in bursts of 200, each as fast as the socket takes it.
      const burst = 200;
      for (let i = 0; i < flood; i++) {
        const s = i % 2 === 0 ? seat : seatB;
        socket.emit('update', makeMove('lose', s), i, matchID, s.playerID);
        if ((i + 1) % burst === 0 && i + 1 < flood) {
          await until(() => stateIDOf(stack, matchID) === i + 1, `${i + 1} loses stored`, 30_000);
        }
      }
      await until(() => stateIDOf(stack, matchID) === flood, `${flood} loses stored`, 30_000);
      const rows = await allFinal(stack);
      expect(rows).toHaveLength(flood);
      // At most 3 rows were let through; every other one is suppressed, saying why.
      const admitted = rows.filter((r) => r.status !== 'suppressed');
      expect(admitted.length, JSON.stringify(admitted)).toBeLessThanOrEqual(3);
      expect(admitted.length).toBeGreaterThan(0);
      for (const row of admitted) expect(['delivered', 'already_pending']).toContain(row.status);
      const suppressed = rows.filter((r) => r.status === 'suppressed');
      expect(suppressed.length).toBeGreaterThanOrEqual(flood - 3);
      for (const row of suppressed) expect(row.message).toMatch(/3 requests per match/);
      // Chaster created at most 3 requests, and every call it received was an attempt of an
      // admitted row: a suppressed row never reached it. (Under the flood a send may time out
      // after Chaster got it; the retry is answered "already pending" — at-least-once delivery.)
      const sent = stack.emulator.requests();
      const context = JSON.stringify({ sent, admitted });
      expect(sent.filter((r) => r.status === 201).length, context).toBeLessThanOrEqual(3);
      expect(sent.length, context).toBeGreaterThan(0);
      expect(sent.length, context).toBeLessThanOrEqual(
        admitted.reduce((n, r) => n + r.attempts, 0),
      );
      for (const call of sent) {
        expect([a.sessionId, b.sessionId], context).toContain(call.sessionId);
        expect([201, 400], context).toContain(call.status);
      }
      if (sent.length > 3) {
        expect(stack.logs.join('\n'), context).toMatch(/"code":"timeout".*will be retried/);
      }
      // The flood is visible to the players as such.
      const list = await settled(stack, matchID, seat.token, flood);
      expect(list.filter((r) => r.status === 'suppressed')).toHaveLength(suppressed.length);
    },
    TIMEOUT,
  );

  it(
    'several rooms flooding at once stay under the global rate limit: sent + logins ≤ burst + rate × time',
    async () => {
      const ratePerMinute = 60;
      // src/server/outbox/dispatcher.ts: capacity = max(1, min(ratePerMinute, concurrency × 4)),
      // concurrency 8 by default; the bucket starts full and refills at ratePerMinute. Every
      // login (POST /api/login) spends a token of the same bucket, and a delivery is claimed
      // only while a whole token is left: all logins here come before the first delivery, so
      // at every moment deliveries + logins ≤ burst + rate × time since the bucket was made.
      const burst = Math.max(1, Math.min(ratePerMinute, 8 * 4));
      const started = Date.now();
      const stack = await startStack({ games: [PenaltyGame], dispatcher: { ratePerMinute } });
      const rooms = FULL ? 6 : 4;
      const perSeat = FULL ? 40 : 15;
      const sockets: Socket[] = [];
      const matches: string[] = [];
      const seatsOf: Seat[][] = [];
      for (let r = 0; r < rooms; r++) {
        const { matchID, seat, seatB } = await twoWearerRoom(stack, {
          rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 },
        });
        matches.push(matchID);
        seatsOf.push([seat, seatB]);
        sockets.push(await rawSocket(stack, 'penalty'));
      }
      // A host and a guest per room, each logged in once (and each login one call to Chaster).
      const logins = rooms * 2;
      expect(stack.emulator.authCalls()).toBe(logins);
      expect(logins).toBeLessThan(burst);
      const intents = rooms * 2 * perSeat;
      expect(intents).toBeGreaterThan(burst * 2);
      matches.forEach((matchID, r) => {
        for (let i = 0; i < 2 * perSeat; i++) {
          const s = seatsOf[r]![i % 2]!;
          sockets[r]!.emit('update', makeMove('lose', s), i, matchID, s.playerID);
        }
      });
      const windowMs = FULL ? 10_000 : 3_000;
      const samples: Array<{ at: number; sent: number; bound: number }> = [];
      while (Date.now() - started < windowMs) {
        const at = Date.now();
        const sent = stack.emulator.requests().length;
        samples.push({
          at: at - started,
          sent,
          bound: burst + (ratePerMinute * (at - started)) / 60_000 - logins,
        });
        await new Promise((r) => setTimeout(r, 50));
      }
      const over = samples.filter((s) => s.sent > s.bound);
      expect(over, JSON.stringify(over.slice(0, 5))).toEqual([]);
      // The flood really hit the limit: what the logins left of the burst went out, and far more
      // is still waiting.
      const last = samples.at(-1)!;
      expect(last.sent + logins).toBeGreaterThanOrEqual(burst);
      const waiting = outbox(stack).filter((r) => r.status === 'queued').length;
      expect(waiting).toBeGreaterThan(intents / 2);
    },
    TIMEOUT,
  );
});

// --- (b) and (c): privilege in the real games -----------------------------------------------------

interface Table {
  stack: Stack;
  game: 'dice-duel' | 'verify-cards';
  matchID: string;
  /** Seat by playerID: 0 the keyholder, 1 and 2 wearers. */
  seats: Record<string, Seat>;
  socket: Socket;
  updates: { n: number };
}

/** A room of a real game: keyholder K (of wearer A) at seat 0, A at seat 1, B at seat 2. */
async function table(
  stack: Stack,
  game: Table['game'],
  locks: {
    a: ReturnType<Stack['emulator']['createLock']>;
    b: ReturnType<Stack['emulator']['createLock']>;
  },
): Promise<Table> {
  const rules =
    game === 'dice-duel'
      ? {
          cooldownSeconds: 0,
          maxRequestsPerMatch: 100,
          keyholderDemands: 5,
          rounds: 9,
          randomCheckChance: 0.5,
        }
      : {
          cooldownSeconds: 0,
          maxRequestsPerMatch: 100,
          keyholderDemands: 5,
          randomCheckChance: 0.5,
        };
  const { matchID, seat } = await host(stack, locks.a.tokens.keyholder!, {
    game,
    numPlayers: 3,
    rules,
  });
  expect(seat.playerID).toBe('0');
  const seatA = await join(stack, locks.a.tokens.wearer, matchID);
  const seatB = await join(stack, locks.b.tokens.wearer, matchID);
  expect([seatA.playerID, seatB.playerID]).toEqual(['1', '2']);
  const socket = await rawSocket(stack, game);
  const updates = { n: 0 };
  socket.on('update', (id: unknown) => {
    if (id === matchID) updates.n += 1;
  });
  const t = { stack, game, matchID, seats: { '0': seat, '1': seatA, '2': seatB }, socket, updates };
  // The socket watches as seat 0 (there are no anonymous spectators); it sends every seat's moves.
  await syncSeat0(t);
  return t;
}

/** Syncs the table's socket as seat 0 and waits for the answer. */
async function syncSeat0(t: Pick<Table, 'socket' | 'matchID' | 'seats'>): Promise<void> {
  const synced = new Promise<void>((resolve) => t.socket.once('sync', () => resolve()));
  t.socket.emit('sync', t.matchID, '0', t.seats['0']!.credentials, 3);
  await synced;
}

/**
 * Whether the real games declare these arguments for a move (game/shared/moves.ts): `demand` takes one
 * seat number, `roll`, `draw` and `volunteer` take none.
 */
function declared(move: string, args: unknown[]): boolean {
  if (move !== 'demand') return args.length === 0;
  return args.length === 1 && typeof args[0] === 'string' && /^(0|[1-9]\d?)$/.test(args[0]);
}

/** The guard's refusals logged so far (their `refusal` reasons). */
function refusals(stack: Stack): string[] {
  return stack.logs
    .map((line) => JSON.parse(line) as { msg?: string; refusal?: string })
    .filter((entry) => entry.msg === 'socket packet refused')
    .map((entry) => String(entry.refusal));
}

/**
 * Sends one move for `playerID` and waits until the server processed it. With arguments the game
 * declares, the move reaches the game, which broadcasts (also when its rules refuse the move).
 * Other arguments are refused before the game sees them: the refusal is logged, nothing is stored
 * or broadcast. Then seat 0's sync, judged after the move and accepted, resets the socket's count
 * of refused packets.
 */
async function play(
  t: Table,
  playerID: string,
  move: string,
  args: unknown[],
): Promise<'played' | 'refused'> {
  const what = `${move}(${JSON.stringify(args).slice(0, 80)}) by seat ${playerID}`;
  const n = t.updates.n;
  const stateID = stateIDOf(t.stack, t.matchID);
  const refused = refusals(t.stack).length;
  t.socket.emit('update', makeMove(move, t.seats[playerID]!, args), stateID, t.matchID, playerID);
  if (declared(move, args)) {
    await waitFor(() => t.updates.n > n, what);
    return 'played';
  }
  await syncSeat0(t);
  expect(refusals(t.stack).slice(refused), what).toEqual([expect.stringMatching(/argument/)]);
  expect(stateIDOf(t.stack, t.matchID), what).toBe(stateID);
  expect(t.updates.n, what).toBe(n);
  return 'refused';
}

function isOver(t: Table): boolean {
  return t.stack.server.store.fetch(t.matchID, { metadata: true }).metadata!.gameover != null;
}

/** Arguments a hostile client may pass: other seats' IDs, wrong types, anything. */
const hostileArgs: fc.Arbitrary<unknown[]> = fc.oneof(
  fc.constantFrom<unknown[]>(
    [],
    ['0'],
    ['1'],
    ['2'],
    ['3'],
    [0],
    [1],
    ['0', '1'],
    [null],
    [{ player: '1' }],
    [{ by: 'keyholder' }],
  ),
  fc.array(fc.oneof(jsonLeaf, fc.constantFrom('0', '1', '2', 'keyholder', 'self')), {
    maxLength: 3,
  }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }),
);

describe('(b)(c) a wearer cannot act as a keyholder or for another seat', () => {
  it(
    'every move and argument of the real games from wearer seats: undeclared arguments refused before the game, no keyholder actor, no request for another wearer',
    async () => {
      const stack = await startStack({ games });
      const a = stack.emulator.createLock({ wearerName: 'alice', keyholderName: 'kim' });
      const b = stack.emulator.createLock({ wearerName: 'bob', keyholderName: 'kurt' });
      const tables: Partial<Record<Table['game'], Table>> = {};
      const current = async (game: Table['game']) => {
        const t = tables[game];
        if (t && !isOver(t)) return t;
        return (tables[game] = await table(stack, game, { a, b }));
      };
      const moves = {
        'dice-duel': ['roll', 'demand', 'volunteer'],
        'verify-cards': ['draw', 'demand', 'volunteer'],
      };
      const cases = { n: 0, played: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<Table['game']>('dice-duel', 'verify-cards'),
          fc.constantFrom('1', '2'),
          fc.nat({ max: 2 }),
          // Often what the moves declare (none, or one seat for `demand`), so the games get played.
          fc.oneof(
            { weight: 2, arbitrary: fc.constant<unknown[]>([]) },
            { weight: 1, arbitrary: fc.constantFrom<unknown[]>(['0'], ['1'], ['2']) },
            { weight: 3, arbitrary: hostileArgs },
          ),
          async (game, playerID, which, args) => {
            cases.n += 1;
            const t = await current(game);
            cases[await play(t, playerID, moves[game][which]!, args)] += 1;
          },
        ),
        params(),
      );
      expect(cases.n).toBe(RUNS);
      // Both outcomes were exercised.
      expect(cases.played, JSON.stringify(cases)).toBeGreaterThan(0);
      expect(cases.refused, JSON.stringify(cases)).toBeGreaterThan(0);
      await allFinal(stack);
      const sessionOf = (matchID: string, playerID: string) =>
        (
          stack.server.store.db
            .prepare('SELECT session_id FROM seats WHERE match_id = ? AND player_id = ?')
            .get(matchID, playerID) as { session_id: string }
        ).session_id;

      const rows = outbox(stack);
      // The wearers did get requests (volunteers, lost rounds, verify cards): the test saw real traffic.
      expect(rows.filter((r) => r.actor === 'wearer').length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.actor === 'keyholder')).toEqual([]);
      for (const row of rows) {
        if (row.requested_by === 'self') {
          // Only `volunteer` asks as a seat, and only for the seat itself.
          expect(row, JSON.stringify(row)).toMatchObject({
            actor: 'wearer',
            player_id: row.requester_id,
          });
        } else {
          expect(row.actor, JSON.stringify(row)).toBe('extension');
        }
      }
      const sent = stack.emulator.requests();
      expect(sent.filter((r) => r.actor === 'keyholder')).toEqual([]);
      // A wearer-actor request went only to a wearer who asked for themselves.
      const volunteers = new Set(
        rows.filter((r) => r.actor === 'wearer').map((r) => sessionOf(r.match_id, r.player_id)),
      );
      for (const request of sent.filter((r) => r.actor === 'wearer')) {
        expect(volunteers.has(request.sessionId)).toBe(true);
      }

      // Positive control: the keyholder seat's demand on its own wearer is sent as the keyholder,
      // and a demand on another wearer (bob is not kim's) never reaches Chaster.
      const before = sent.length;
      const t = await table(stack, 'dice-duel', { a, b });
      expect(await play(t, '0', 'demand', ['1'])).toBe('played');
      expect(await play(t, '0', 'demand', ['2'])).toBe('played');
      const control = (await allFinal(stack)).filter((r) => r.match_id === t.matchID);
      expect(control.map((r) => [r.player_id, r.actor, r.status])).toEqual([
        ['1', 'keyholder', expect.stringMatching(/delivered|already_pending/)],
        ['2', 'keyholder', 'failed'],
      ]);
      const after = stack.emulator.requests().slice(before);
      expect(after.filter((r) => r.actor === 'keyholder').map((r) => r.sessionId)).toEqual([
        a.sessionId,
      ]);
    },
    TIMEOUT,
  );

  it(
    '`ask(target)` from any seat reaches Chaster only for the seat itself (wearer) or its own wearer (keyholder)',
    async () => {
      const stack = await startStack({ games: [PenaltyGame] });
      const a = stack.emulator.createLock({ wearerName: 'alice', keyholderName: 'kim' });
      const b = stack.emulator.createLock({ wearerName: 'bob' });
      // Seat 0: kim (alice's keyholder); seat 1: alice; seat 2: bob.
      const { matchID, seat } = await host(stack, a.tokens.keyholder!, {
        game: 'penalty',
        numPlayers: 3,
        rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 },
      });
      const seats: Record<string, Seat> = {
        '0': seat,
        '1': await join(stack, a.tokens.wearer, matchID),
        '2': await join(stack, b.tokens.wearer, matchID),
      };
      expect([seats['1']!.playerID, seats['2']!.playerID]).toEqual(['1', '2']);
      const socket = await rawSocket(stack, 'penalty');
      const allowed = (from: string, target: unknown) =>
        (from === '0' && target === '1') || (from !== '0' && target === from);
      const expectedSent: Array<{ sessionId: string; actor: string }> = [];
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('0', '1', '2'),
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom('0', '1', '2') },
            { weight: 1, arbitrary: fc.constantFrom('3', '01', ' 1', '1 ', '-0') },
            { weight: 2, arbitrary: jsonLeaf },
          ),
          async (from, target) => {
            cases += 1;
            // ask(target), then two passes: whether the ask was taken or refused (the server refuses
            // a target that is not a seat number, the plugin one that is not a seat of the match),
            // the match ends exactly two actions later. The passes reset the socket's count of
            // refused packets.
            const s = stateIDOf(stack, matchID);
            socket.emit('update', makeMove('ask', seats[from]!, [target]), s, matchID, from);
            socket.emit('update', makeMove('pass', seats['0']!), s, matchID, '0');
            socket.emit('update', makeMove('pass', seats['0']!), s + 1, matchID, '0');
            await waitFor(() => stateIDOf(stack, matchID) === s + 2, 'the ask and a pass');
            if (allowed(from, target)) {
              expectedSent.push({
                sessionId: target === '1' ? a.sessionId : b.sessionId,
                actor: from === '0' ? 'keyholder' : 'wearer',
              });
            }
          },
        ),
        params(),
      );
      expect(cases).toBe(RUNS);
      const rows = await allFinal(stack);
      for (const row of rows) {
        const ok = allowed(row.requester_id!, row.player_id);
        expect(row.status, JSON.stringify(row)).toMatch(
          ok ? /delivered|already_pending|suppressed/ : /^failed$/,
        );
        if (!ok) {
          expect(row.message).toMatch(
            /only ask their own wearer|only ask for a picture of themselves|is a keyholder/,
          );
        }
      }
      expect(rows.filter((r) => allowed(r.requester_id!, r.player_id))).toHaveLength(
        expectedSent.length,
      );
      // Chaster saw only allowed (session, actor) pairs; never keyholder for bob, never alice for bob.
      const sent = stack.emulator
        .requests()
        .map((r) => ({ sessionId: r.sessionId, actor: r.actor }));
      const allowedPairs = new Set(expectedSent.map((e) => `${e.sessionId}/${e.actor}`));
      for (const request of sent)
        expect(allowedPairs.has(`${request.sessionId}/${request.actor}`)).toBe(true);
      expect(sent.length).toBeLessThanOrEqual(expectedSent.length);
      expect(sent.length).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

// --- (d) bearer tokens -----------------------------------------------------------------------------------

describe('(d) bearer tokens', () => {
  it(
    'a valid token with random bytes flipped, cut or added is always 401; the original still works',
    async () => {
      const stack = await startStack({ games: [PenaltyGame] });
      const lock = stack.emulator.createLock();
      const token = await login(stack, lock.tokens.wearer);
      const other = await login(stack, stack.emulator.createLock().tokens.wearer);
      const secret = (await stack.server.repository.getSetting('token_secret'))!;
      const [, payload, signature] = token.split('.') as [string, string, string];
      const { login: loginId } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
      const base64url = fc.constantFrom(
        ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split(''),
      );

      const forged = fc
        .oneof(
          // 1–4 characters replaced anywhere (mostly by token characters, so the syntax check passes).
          fc
            .array(
              fc.tuple(
                fc.nat(),
                fc.oneof({ weight: 4, arbitrary: base64url }, { weight: 1, arbitrary: printable }),
              ),
              { minLength: 1, maxLength: 4 },
            )
            .map((flips) => {
              const chars = token.split('');
              for (const [at, c] of flips) chars[at % chars.length] = c;
              return chars.join('');
            }),
          fc.nat().map((n) => token.slice(0, n % token.length)),
          fc.string({ unit: base64url, minLength: 1, maxLength: 8 }).map((s) => token + s),
          fc.constantFrom(
            `v1.${payload}`,
            `v1.${payload}.`,
            `v2.${payload}.${signature}`,
            `V1.${payload}.${signature}`,
            `v1.${payload}.${signature}.${signature}`,
            `v1.${other.split('.')[1]}.${signature}`,
            `v1.${payload}.${other.split('.')[2]}`,
            `v1.${payload}=.${signature}`,
          ),
          // Properly shaped payloads, signed with a wrong key or not at all.
          fc
            .tuple(
              fc.string({ maxLength: 40 }),
              fc.integer(),
              fc.string({ minLength: 1, maxLength: 40 }),
            )
            .map(([wrongSecret, exp, fakeLogin]) => {
              const body = Buffer.from(
                JSON.stringify({ login: fakeLogin, exp: Date.now() + Math.abs(exp) }),
              ).toString('base64url');
              return `v1.${body}.${createHmac('sha256', wrongSecret).update(body).digest('base64url')}`;
            }),
          // Signed with the real key, but expired, or for a login that does not exist.
          fc
            .integer({ min: 0, max: 10 ** 12 })
            .map((ago) => signToken(secret, { login: loginId, exp: Date.now() - ago })),
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((s) => s !== loginId)
            .map((fakeLogin) => signToken(secret, { login: fakeLogin, exp: Date.now() + 60_000 })),
        )
        .filter((t) => t !== token);

      const matches = stack.server.store.listMatches();
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(
          forged,
          fc.constantFrom('POST /api/rooms', 'GET /api/rooms', 'GET /api/rooms/x1'),
          async (bad, route) => {
            cases += 1;
            const [method, path] = route.split(' ') as [string, string];
            const body =
              method === 'POST' ? JSON.stringify({ game: 'penalty', numPlayers: 2 }) : undefined;
            const res = await sendWithBearer(stack.url, bad, { method, path, body });
            const context = `${route} with ${bad}`;
            expectClientError(res, context, ['unauthorized', 'token_expired']);
            expect(res.status, context).toBe(401);
          },
        ),
        params(),
      );
      expect(cases).toBe(RUNS);
      expect(stack.server.store.listMatches()).toEqual(matches);
      const ok = await api(stack.url, 'POST', '/api/rooms', {
        token,
        body: { game: 'penalty', numPlayers: 2 },
      });
      expect(ok.status).toBe(201);
    },
    TIMEOUT,
  );
});

// --- (e) no spectators -------------------------------------------------------------------------------------

describe('(e) no spectators', () => {
  it('a sync without a seat gets no frame of the match; a seated player receives no credentials in any frame, through moves, rejoins and reconnects', async () => {
    const stack = await startStack({ games: [PenaltyGame, ...games] });
    const room = await twoWearerRoom(stack);
    const { a, b, matchID, seat } = room;
    let { seatB } = room;
    const issued: string[] = [seat.credentials, seatB.credentials];

    // Seat 0's own socket, watching: every frame it receives.
    const frames: string[] = [];
    const watcher = await rawSocket(stack, 'penalty', (frame) => frames.push(frame));
    watcher.onAny((event: string, ...args: unknown[]) =>
      frames.push(JSON.stringify([event, args])),
    );
    const synced = new Promise<void>((resolve) => watcher.once('sync', () => resolve()));
    watcher.emit('sync', matchID, '0', seat.credentials, 2);
    await synced;
    // Someone without a seat: a spectator's sync, and syncs as a seat without its credentials,
    // are refused and answered with nothing.
    const anonymousFrames: string[] = [];
    const anonymous = await rawSocket(stack, 'penalty', (frame) => anonymousFrames.push(frame));
    anonymous.onAny((event: string, ...args: unknown[]) =>
      anonymousFrames.push(JSON.stringify([event, args])),
    );
    anonymous.emit('sync', matchID, null, null, 2);
    anonymous.emit('sync', matchID, '0', null, 2);
    anonymous.emit('sync', matchID, '1', '', 2);
    await until(
      () =>
        stack.logs.filter((l) => l.includes('socket packet refused') && l.includes(anonymous.id))
          .length === 3,
      'the three syncs without credentials to be refused',
    );

    const playerA = await rawSocket(stack, 'penalty');
    playerA.emit('sync', matchID, '0', seat.credentials, 2);
    let playerB = await rawSocket(stack, 'penalty');
    playerB.emit('sync', matchID, '1', seatB.credentials, 2);
    const move = async (socket: Socket, s: Seat, type: string) => {
      const before = stateIDOf(stack, matchID);
      socket.emit('update', makeMove(type, s), before, matchID, s.playerID);
      await until(() => stateIDOf(stack, matchID) > before, `${type} stored`);
    };
    await move(playerA, seat, 'lose');
    await move(playerB, seatB, 'pass');
    // B rejoins (fresh credentials) and reconnects; A disconnects.
    seatB = await join(stack, b.tokens.wearer, matchID);
    issued.push(seatB.credentials);
    playerB.disconnect();
    playerB = await rawSocket(stack, 'penalty');
    playerB.emit('sync', matchID, '1', seatB.credentials, 2);
    await move(playerB, seatB, 'lose');
    playerA.disconnect();
    await settled(stack, matchID, seat.token, 2);
    await move(playerB, seatB, 'pass');
    await until(
      () => frames.filter((f) => f.includes('"update"')).length >= 4,
      'seat 0 to see the moves',
    );
    // The one without a seat saw nothing of the match (and, refused three times, is still
    // connected: the server disconnects after eight refusals in a row).
    expect(anonymous.connected).toBe(true);
    expect(anonymousFrames.filter((f) => f.includes(matchID))).toEqual([]);
    expect(anonymousFrames.filter((f) => /sync|update|patch|matchData/.test(f))).toEqual([]);

    const text = frames.join('\n');
    expect(text).toContain(matchID);
    expect(text).toContain('"moves":4');
    const secrets = [
      ...issued,
      ...issued.map((c) => c.split('.').at(-1)!),
      a.sessionId,
      b.sessionId,
      stack.emulator.token,
    ];
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
    expect(text).not.toMatch(/"credentials"/);
  });
});

// --- (f) secrets in the built client, and the webhook password everywhere -----------------------------------

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = joinPath(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs `vite build` into `outDir` with `env` added; resolves when it succeeded. */
function viteBuild(outDir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        joinPath(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--outDir',
        outDir,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${output}`)),
    );
  });
}

describe('(f) secrets', () => {
  it(
    'the built client bundle and its HTML, built and served with secrets in the environment, contain none of them',
    async () => {
      const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-bundle-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const outDir = joinPath(dir, 'client');
      const webhook = { user: 'hook-user', password: 'webhook-password-7d1e0c9a' };
      const emulator = createChasterEmulator();
      await emulator.listen(0, '127.0.0.1');
      cleanups.push(() => emulator.close());
      const lock = emulator.createLock();
      const tokenSecret = 'session-secret-0123456789abcdef0123456789';
      // What an operator has in the environment when building and serving.
      await viteBuild(outDir, {
        CHASTER_TOKEN: emulator.token,
        WEBHOOK_USER: webhook.user,
        WEBHOOK_PASSWORD: webhook.password,
        TOKEN_SECRET: tokenSecret,
        CHASTER_SESSION_ID: lock.sessionId,
      });
      const files = filesUnder(outDir);
      expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
      expect(files.some((f) => f.endsWith('.js'))).toBe(true);

      const logs: string[] = [];
      const server = await createGameServer({
        games,
        chaster: { baseUrl: emulator.url, token: emulator.token },
        database: joinPath(dir, 'db.sqlite'),
        synchronous: 'NORMAL',
        tokenSecret,
        webhook,
        logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
      });
      server.app.use(serveStatic(outDir));
      const url = await server.listen(0, '127.0.0.1');
      cleanups.push(() => server.stop());
      const served: string[] = [];
      for (const path of [
        '/',
        '/index.html',
        '/rooms/abc',
        `/#${encodeURIComponent(JSON.stringify({ mainToken: lock.tokens.wearer }))}`,
      ]) {
        const res = await fetch(url + path);
        expect(res.status, path).toBe(200);
        served.push(await res.text());
      }
      expect(served[0]).toContain('<div id="root">');
      for (const file of files.filter((f) => /\.(js|css|html)$/.test(f))) {
        const path =
          '/' +
          file
            .slice(outDir.length + 1)
            .split(/[\\/]/)
            .join('/');
        const res = await fetch(url + path);
        expect(res.status, path).toBe(200);
        served.push(await res.text());
      }

      const secrets: Record<string, string> = {
        'developer token': emulator.token,
        sessionId: lock.sessionId,
        'webhook password': webhook.password,
        'webhook Basic credentials': Buffer.from(`${webhook.user}:${webhook.password}`).toString(
          'base64',
        ),
        'session secret': tokenSecret,
      };
      expect(secrets['developer token']).toBe('emulator-dev-token');
      const found: string[] = [];
      for (const file of files) {
        const text = readFileSync(file, 'latin1');
        for (const [name, secret] of Object.entries(secrets)) {
          if (text.includes(secret)) found.push(`${name} in ${file.slice(outDir.length)}`);
        }
      }
      for (const [i, text] of served.entries()) {
        for (const [name, secret] of Object.entries(secrets)) {
          if (text.includes(secret)) found.push(`${name} in served answer #${i}`);
        }
      }
      expect(found).toEqual([]);
      // The bundle is the client only: no server, emulator or database code came along.
      const bundle = files
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      for (const marker of [
        'better-sqlite3',
        'createChasterEmulator',
        '__emulator',
        'WEBHOOK_PASSWORD',
        'CHASTER_TOKEN',
        'token_secret',
      ]) {
        expect(bundle, marker).not.toContain(marker);
      }
      expect(logs.join('\n')).not.toContain(webhook.password);
    },
    TIMEOUT,
  );

  it('the webhook password reaches no API answer, SSE event, socket frame, answer of the (unserved) Lobby or log line', async () => {
    const webhook = { user: 'hook-user', password: 'webhook-password-5b2f8e31' };
    const basicAuth = Buffer.from(`${webhook.user}:${webhook.password}`).toString('base64');
    const stack = await startStack({ games: [PenaltyGame], webhook });
    stack.emulator.setWebhook({ url: `${stack.url}/api/chaster/webhooks`, ...webhook });
    const { b, matchID, seat, seatB } = await twoWearerRoom(stack);
    const answers: string[] = [];

    // The SSE feed, read for the whole test.
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const feed = await fetch(`${stack.url}/api/rooms/${matchID}/verifications`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${seat.token}` },
      signal: controller.signal,
    });
    let sse = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of feed.body as unknown as AsyncIterable<Uint8Array>)
          sse += decoder.decode(chunk, { stream: true });
      } catch {
        // Aborted.
      }
    })();

    const frames: string[] = [];
    const player = await rawSocket(stack, 'penalty', (f) => frames.push(f));
    const hostSocket = await rawSocket(stack, 'penalty', (f) => frames.push(f));
    const synced = Promise.all(
      [player, hostSocket].map(
        (s) => new Promise<void>((resolve) => s.once('sync', () => resolve())),
      ),
    );
    player.emit('sync', matchID, '1', seatB.credentials, 2);
    hostSocket.emit('sync', matchID, '0', seat.credentials, 2);
    await synced;
    const before = stateIDOf(stack, matchID);
    player.emit('update', makeMove('lose', seatB), before, matchID, '1');
    await settled(stack, matchID, seat.token, 1);

    // Chaster posts the submission webhook (with the password); others try wrong passwords.
    const submitted = await stack.emulator.submit(b.sessionId);
    expect(submitted.webhook?.status).toBe(200);
    for (const authorization of [
      `Basic ${Buffer.from(`${webhook.user}:${webhook.password}x`).toString('base64')}`,
      `Basic ${basicAuth}`,
      `Bearer ${webhook.password}`,
    ]) {
      const res = await send(stack.url, {
        method: 'POST',
        path: '/api/chaster/webhooks',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'x', data: { password: webhook.password } }),
      });
      answers.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
    }
    // Things that are logged, each carrying the password: refused socket packets (as an argument
    // `lose` does not declare, as credentials), a refused session exchange.
    const refusedBefore = stack.logs.filter((l) => l.includes('socket packet refused')).length;
    player.emit(
      'update',
      makeMove('lose', seatB, [webhook.password]),
      stateIDOf(stack, matchID),
      matchID,
      '1',
    );
    player.emit(
      'update',
      makeMove('lose', { playerID: '1', credentials: webhook.password }),
      stateIDOf(stack, matchID),
      matchID,
      '1',
    );
    const exchange = await send(stack.url, {
      method: 'POST',
      path: '/api/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mainToken: webhook.password }),
    });
    answers.push(`${exchange.status} ${JSON.stringify(exchange.headers)} ${exchange.text}`);
    expect(exchange.status).toBe(401);
    await until(
      () =>
        stack.logs.filter((l) => l.includes('socket packet refused')).length === refusedBefore + 2,
      'the refusals logged',
    );
    await until(() => sse.includes('"submitted"'), 'the submission on the SSE feed');
    for (const path of [
      '/api/rooms',
      `/api/rooms/${matchID}`,
      `/api/rooms/${matchID}/verifications`,
    ]) {
      const res = await sendWithBearer(stack.url, seat.token, { method: 'GET', path });
      answers.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
    }
    // The Lobby is not served: its routes answer 404, a join carrying the password included.
    const lobby: string[] = [];
    for (const [method, path] of [
      ['GET', '/games'],
      ['GET', '/games/penalty'],
      ['GET', `/games/penalty/${matchID}`],
      ['POST', `/games/penalty/${matchID}/join`],
    ] as const) {
      const body =
        method === 'POST'
          ? JSON.stringify({ playerID: '1', playerName: webhook.password, data: webhook.password })
          : undefined;
      const res = await send(stack.url, {
        method,
        path,
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
      });
      expectClientError(res, `${method} ${path}`, ['not_found'], path.length);
      expect(res.status, `${method} ${path}`).toBe(404);
      lobby.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
    }
    controller.abort();
    await reading;

    // The corpus holds what it should, so the search means something.
    expect(sse).toContain('"submitted"');
    expect(frames.join('\n')).toContain('\\"lose\\"'); // inside the JSON-encoded frame
    expect(stack.logs.join('\n')).toContain('Chaster refused a session exchange');
    const leaks: string[] = [];
    const channels: Record<string, string> = {
      'API answers': answers.join('\n'),
      'SSE events': sse,
      'socket frames': frames.join('\n'),
      'Lobby 404s': lobby.join('\n'),
      'log lines': stack.logs.join('\n'),
    };
    for (const [channel, text] of Object.entries(channels)) {
      for (const [name, secret] of [
        ['webhook password', webhook.password],
        ['webhook Basic credentials', basicAuth],
      ] as const) {
        if (text.includes(secret)) leaks.push(`${name} in ${channel}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
