/**
 * House rules bind rooms, over real HTTP against the emulator, on SQLite and on Postgres:
 * - a login keeps its lock's house rules as read from the Chaster session (an invalid config
 *   binds nothing and never fails the login);
 * - a wearer hosting gets the stricter of their rules and their house rules, told why in `forced`,
 *   with the operator's bounds winning over any house rule; a keyholder hosting binds nothing;
 * - a game the keyholder did not allow is refused with 409 `game_not_allowed`, hosting or joining;
 * - a joiner's tighter cooldown or cap binds requests to them only;
 * - a joiner's stricter room-wide game rule refuses the join with 409 `house_rules_stricter`.
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DiceDuel } from '../../game/index.js';
import type { HouseRules } from '../../src/api/house-rules.js';
import type { ApiLimits } from '../../src/server/limits.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { needServices } from '../helpers/services-suite.js';
import { api, makeMove, until } from '../helpers/stack.js';
import { login, startTarget } from '../helpers/targets.js';
import type { Target, TargetKind } from '../helpers/targets.js';

const missing = needServices('The Postgres half of the house-rules tests');

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

function start(kind: TargetKind, limits: Partial<ApiLimits> = {}) {
  return startTarget(kind, {
    games: [PenaltyGame, DiceDuel],
    limits: { ...TEST_LIMITS, ...limits },
  });
}

/** A wearer of a new lock whose keyholder saved `config`, signed in on the first instance. */
async function wearer(target: Target, config?: Record<string, unknown>) {
  const lock = target.emulator.createLock(config === undefined ? {} : { config });
  return { lock, token: await login(target.urls[0]!, lock.tokens.wearer) };
}

/** The house rules the server stored with each login, newest last. */
async function storedHouseRules(target: Target): Promise<unknown[]> {
  const store = target.servers[0]!.store as {
    db?: { prepare(sql: string): { all(): Array<{ house_rules: string | null }> } };
    pool?: { query(sql: string): Promise<{ rows: Array<{ house_rules: unknown }> }> };
  };
  const sql = 'SELECT house_rules FROM logins ORDER BY created_at, id';
  if (store.db) {
    return store.db
      .prepare(sql)
      .all()
      .map((r) => (r.house_rules === null ? null : JSON.parse(r.house_rules)));
  }
  return (await store.pool!.query(sql)).rows.map((r) => r.house_rules);
}

function createRoom(target: Target, token: string, body: Record<string, unknown>) {
  return api(target.urls[0]!, 'POST', '/api/rooms', { token, body });
}

function joinRoom(target: Target, token: string, matchID: string) {
  return api(target.urls[0]!, 'POST', `/api/rooms/${matchID}/join`, { token });
}

/** The statuses of a room's requests by target seat, once none is open and there are `count`. */
async function settledBySeat(target: Target, matchID: string, token: string, count: number) {
  const list = await until(async () => {
    const res = await api(target.urls[0]!, 'GET', `/api/rooms/${matchID}/verifications`, {
      token,
    });
    const rows = res.json.requests as Array<{ playerID: string; status: string }>;
    const done = rows.every((r) => r.status !== 'queued' && r.status !== 'sending');
    return done && rows.length === count ? rows : undefined;
  }, 'requests to settle');
  const bySeat: Record<string, string[]> = {};
  for (const row of list) (bySeat[row.playerID] ??= []).push(row.status);
  return bySeat;
}

/** Seat 0 of a penalty room makes `lose(target)` moves one after another, each settled first. */
function mover(target: Target, matchID: string, credentials: string, token: string) {
  const seat = { playerID: '0', credentials };
  const socket = io(`${target.urls[0]!}/penalty`, { transports: ['websocket'], forceNew: true });
  sockets.push(socket);
  socket.emit('sync', matchID, '0', credentials, 2);
  let stateID = 0;
  return async (targetSeat: string) => {
    socket.emit('update', makeMove('lose', seat, [targetSeat]), stateID++, matchID, '0');
    await settledBySeat(target, matchID, token, stateID);
  };
}

/** A two-seat penalty room with `rules`, hosted by a plain wearer and joined by one under `house`. */
async function penaltyRoomJoinedUnder(
  target: Target,
  rules: Record<string, unknown>,
  house: HouseRules,
) {
  const host = await wearer(target);
  const room = await createRoom(target, host.token, { game: 'penalty', numPlayers: 2, rules });
  expect(room.status).toBe(201);
  const joiner = await wearer(target, house);
  const joined = await joinRoom(target, joiner.token, room.json.matchID);
  expect(joined.status, JSON.stringify(joined.json)).toBe(200);
  return { host, room, joined };
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (kind) => {
  const skip = () => kind === 'postgres' && missing() !== undefined;

  it('a login keeps its house rules; an invalid or absent config binds nothing and still signs in', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const rules: HouseRules = { allowedGames: ['dice-duel'], maxCooldownSeconds: 30 };
    await wearer(target, rules);
    await wearer(target, { maxCooldownSeconds: 'soon', misspelt: true });
    await wearer(target);
    // The third lock's config is the empty one a lock has until its keyholder saves: stored as none.
    expect(await storedHouseRules(target)).toEqual([rules, null, null]);
  });

  it('a wearer hosting gets the stricter rules, each forced rule with its reason', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const { token } = await wearer(target, {
      maxCooldownSeconds: 30,
      minRandomCheckChance: 0.25,
      loserRequest: true,
      minKeyholderDemands: 0,
    });
    const res = await createRoom(target, token, {
      game: 'dice-duel',
      numPlayers: 2,
      rules: { cooldownSeconds: 600, loserRequest: false, rounds: 2 },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.forced).toEqual([
      {
        rule: 'cooldownSeconds',
        value: 30,
        reason: 'Your keyholder requires a cooldown of at most 30 s.',
      },
      {
        rule: 'randomCheckChance',
        value: 0.25,
        reason: 'Your keyholder requires a random check chance of at least 25%.',
      },
      {
        rule: 'loserRequest',
        value: true,
        reason:
          'Your keyholder requires that the loser of a round is asked for a verification picture.',
      },
    ]);
    const room = await api(target.urls[0]!, 'GET', `/api/rooms/${res.json.matchID}`, { token });
    // The game's defaults are filled in under the host's rules, then tightened.
    expect(room.json.rules).toEqual({
      cooldownSeconds: 30,
      maxRequestsPerMatch: 5,
      randomCheckChance: 0.25,
      keyholderDemands: 1,
      rounds: 2,
      loserRequest: true,
    });
  });

  it("the operator's bounds win over house rules, and the reason says so", async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { minCooldownSeconds: 60, maxRequestsPerMatch: 10 });
    const { token } = await wearer(target, { maxCooldownSeconds: 5, minRequestsPerMatch: 50 });
    const res = await createRoom(target, token, {
      game: 'penalty',
      numPlayers: 1,
      rules: { cooldownSeconds: 120, maxRequestsPerMatch: 5 },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.forced).toEqual([
      {
        rule: 'cooldownSeconds',
        value: 60,
        reason:
          "Your keyholder requires a cooldown of at most 5 s, but this server's least cooldown is 60 s, so 60 s applies.",
      },
      {
        rule: 'maxRequestsPerMatch',
        value: 10,
        reason:
          'Your keyholder requires at least 50 requests per match, but this server allows at most 10, so 10 applies.',
      },
    ]);
  });

  it('a keyholder hosting binds nothing by their lock’s house rules', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const lock = target.emulator.createLock({
      config: { allowedGames: [], maxCooldownSeconds: 0 },
    });
    const token = await login(target.urls[0]!, lock.tokens.keyholder!);
    const res = await createRoom(target, token, {
      game: 'penalty',
      numPlayers: 2,
      rules: { cooldownSeconds: 600 },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.forced).toBeUndefined();
  });

  it('a game the keyholder did not allow is refused with 409 game_not_allowed, hosting and joining', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const picky = await wearer(target, { allowedGames: ['dice-duel'] });
    const hosted = await createRoom(target, picky.token, { game: 'penalty', numPlayers: 2 });
    expect(hosted.status).toBe(409);
    expect(hosted.json).toEqual({
      error: 'game_not_allowed',
      message: 'Your keyholder does not allow penalty; allowed: dice-duel.',
    });

    const host = await wearer(target);
    const room = await createRoom(target, host.token, { game: 'penalty', numPlayers: 3 });
    expect(room.status).toBe(201);
    const joined = await joinRoom(target, picky.token, room.json.matchID);
    expect(joined.status).toBe(409);
    expect(joined.json.error).toBe('game_not_allowed');
    const none = await wearer(target, { allowedGames: [] });
    const refused = await joinRoom(target, none.token, room.json.matchID);
    expect(refused.status).toBe(409);
    expect(refused.json).toEqual({
      error: 'game_not_allowed',
      message: 'Your keyholder allows no game, so you cannot play penalty.',
    });
    const room2 = await api(target.urls[0]!, 'GET', `/api/rooms/${room.json.matchID}`, {
      token: host.token,
    });
    expect(room2.json.seats.filter((s: { taken: boolean }) => s.taken)).toHaveLength(1);
  });

  it('a stricter room-wide rule refuses the join with 409 house_rules_stricter and the reason', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const host = await wearer(target);
    const room = await createRoom(target, host.token, { game: 'dice-duel', numPlayers: 2 });
    expect(room.status).toBe(201);
    const strict = await wearer(target, { minRandomCheckChance: 0.5, minKeyholderDemands: 3 });
    const res = await joinRoom(target, strict.token, room.json.matchID);
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      error: 'house_rules_stricter',
      message:
        'Your keyholder requires a random check chance of at least 50%. Your keyholder requires at least 3 keyholder demands per match. ' +
        "This room's game rules are fixed when it is made: host a new room with those rules.",
    });
    // A wearer whose house rules ask for no more than the room joins, told nothing was forced.
    const easy = await wearer(target, { minRandomCheckChance: 0 });
    const joined = await joinRoom(target, easy.token, room.json.matchID);
    expect(joined.status, JSON.stringify(joined.json)).toBe(200);
    expect(joined.json.forced).toBeUndefined();
  });

  it('keyholder demands need a keyholder seat: hosting or joining a room without one is refused', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const strict = await wearer(target, { minKeyholderDemands: 2 });
    const without = await createRoom(target, strict.token, {
      game: 'dice-duel',
      numPlayers: 2,
      keyholderSeat: false,
    });
    expect(without.status).toBe(409);
    expect(without.json).toEqual({
      error: 'house_rules_stricter',
      message:
        'Your keyholder requires at least 2 keyholder demands per match, and the room has no keyholder seat to play them from: reserve a seat for a keyholder.',
    });
    const withSeat = await createRoom(target, strict.token, {
      game: 'dice-duel',
      numPlayers: 3,
      keyholderSeat: true,
    });
    expect(withSeat.status, JSON.stringify(withSeat.json)).toBe(201);
    expect(withSeat.json.forced).toEqual([
      {
        rule: 'keyholderDemands',
        value: 2,
        reason: 'Your keyholder requires at least 2 keyholder demands per match.',
      },
    ]);
    // Another wearer's room with demands enough but no keyholder seat: the join is refused too.
    const host = await wearer(target);
    const room = await createRoom(target, host.token, {
      game: 'dice-duel',
      numPlayers: 2,
      rules: { keyholderDemands: 3 },
    });
    expect(room.status).toBe(201);
    const join = await joinRoom(target, strict.token, room.json.matchID);
    expect(join.status).toBe(409);
    expect(join.json.message).toMatch(
      /no keyholder seat to play them from: join or host a room with one\.$/,
    );
    // A game without keyholder demands is not concerned.
    const penalty = await createRoom(target, strict.token, { game: 'penalty', numPlayers: 1 });
    expect(penalty.status, JSON.stringify(penalty.json)).toBe(201);
  });

  it("the keyholder seat a wearer's demands need is their own keyholder's, not another lock's", async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const strict = await wearer(target, { minKeyholderDemands: 2 });
    const stranger = target.emulator.createLock();
    const strangerKh = await login(target.urls[0]!, stranger.tokens.keyholder!);
    // Another lock's keyholder holds the room's only keyholder seat: the wearer may not join.
    const theirs = await createRoom(target, strangerKh, {
      game: 'dice-duel',
      numPlayers: 3,
      rules: { keyholderDemands: 3 },
    });
    expect(theirs.status, JSON.stringify(theirs.json)).toBe(201);
    const join = await joinRoom(target, strict.token, theirs.json.matchID);
    expect(join.status).toBe(409);
    expect(join.json.error).toBe('house_rules_stricter');
    // The wearer's own room: another lock's keyholder may not take the seat; their own may.
    const own = await createRoom(target, strict.token, {
      game: 'dice-duel',
      numPlayers: 3,
      keyholderSeat: true,
    });
    expect(own.status, JSON.stringify(own.json)).toBe(201);
    const refused = await joinRoom(target, strangerKh, own.json.matchID);
    expect(refused.status).toBe(409);
    expect(refused.json.message).toMatch(/kept for their keyholder/);
    const ownKh = await login(target.urls[0]!, strict.lock.tokens.keyholder!);
    const joined = await joinRoom(target, ownKh, own.json.matchID);
    expect(joined.status, JSON.stringify(joined.json)).toBe(200);
  });

  it("a joiner's shorter cooldown binds requests to them only", async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const { host, room, joined } = await penaltyRoomJoinedUnder(
      target,
      { cooldownSeconds: 3600, maxRequestsPerMatch: 100 },
      { maxCooldownSeconds: 0 },
    );
    expect(joined.json.forced).toEqual([
      {
        rule: 'cooldownSeconds',
        value: 0,
        reason: 'Your keyholder requires a cooldown of at most 0 s.',
      },
    ]);
    const lose = mover(target, room.json.matchID, room.json.credentials, host.token);
    for (const seat of ['0', '1', '0', '1']) await lose(seat);
    const bySeat = await settledBySeat(target, room.json.matchID, host.token, 4);
    // The host waits out the room's hour; the joiner's second request goes at once (Chaster
    // answers that one is pending already).
    expect(bySeat['0']).toEqual(['delivered', 'suppressed']);
    expect(bySeat['1']).toEqual(['delivered', 'already_pending']);
    // The room's own view is unchanged: a seat's binding rules are nobody else's business.
    const view = await api(target.urls[0]!, 'GET', `/api/rooms/${room.json.matchID}`, {
      token: host.token,
    });
    expect(view.json.rules).toEqual({ cooldownSeconds: 3600, maxRequestsPerMatch: 100 });
  });

  it("a joiner's higher cap binds requests to them only", async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind);
    const { host, room, joined } = await penaltyRoomJoinedUnder(
      target,
      { cooldownSeconds: 0, maxRequestsPerMatch: 1 },
      { minRequestsPerMatch: 3 },
    );
    expect(joined.json.forced).toEqual([
      {
        rule: 'maxRequestsPerMatch',
        value: 3,
        reason: 'Your keyholder requires at least 3 requests per match.',
      },
    ]);
    const lose = mover(target, room.json.matchID, room.json.credentials, host.token);
    for (const seat of ['0', '0', '1', '1']) await lose(seat);
    const bySeat = await settledBySeat(target, room.json.matchID, host.token, 4);
    // The match's count is shared; the host's cap is the room's 1, the joiner's their own 3.
    expect(bySeat['0']).toEqual(['delivered', 'suppressed']);
    expect(bySeat['1']).toEqual(['delivered', 'already_pending']);
  });
});
