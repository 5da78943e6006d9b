/**
 * Scale-out on real engines: several game server processes on one Postgres and one Redis. Players
 * of one match on different instances see each other's moves; 30 matches with known losses give
 * exactly the expected requests; a SIGKILLed instance's rows are delivered by the others after the
 * lease; two writers of one match are not merged.
 */
import type { LogEntry, State } from 'boardgame.io';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import {
  PgRepository,
  PostgresStore,
  createPostgresPool,
  migratePostgres,
} from '../../src/server/index.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/server/db/postgres-schema.js';
import { CreateGameReducer, createMatch } from '../../src/server/bgio.js';
import type { AnyGame } from '../../src/server/bgio.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { exited, startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';
import { REDIS_URL, freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';
import { api, connect, host, join, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const missing = needServices('Scale-out tests');
const cleanups = cleanupAfterEach();

async function database(): Promise<string> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  return db.url;
}

async function emulator(): Promise<ChasterEmulator> {
  const e = createChasterEmulator();
  await e.listen(0);
  cleanups.push(() => e.close());
  return e;
}

async function cluster(n: number, env: Record<string, string>): Promise<ServerProcess[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => startServerProcess({ REDIS_URL, ...env })),
  );
  // Gone before their database is dropped.
  cleanups.push(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => exited(server.child)));
  });
  return servers;
}

/** Waits until every request of a room is final, asking any instance. */
async function final(url: string, matchID: string, token: string, count: number) {
  let last: unknown;
  return until(
    async () => {
      const res = await api(url, 'GET', `/api/rooms/${matchID}/verifications`, { token });
      const rows = res.json?.requests as Array<{ status: string; id: string }> | undefined;
      last = rows;
      const done = rows?.every((r) => r.status !== 'queued' && r.status !== 'sending');
      return rows?.length === count && done ? rows : undefined;
    },
    'requests to be final',
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
  });
}

describe('several instances on Postgres and Redis', () => {
  it('migrates once when three instances start at the same moment', async (ctx) => {
    if (missing()) return ctx.skip();
    const url = await database();
    const pools = [0, 1, 2].map(() => createPostgresPool(url, 2));
    try {
      await Promise.all(pools.map((pool) => migratePostgres(pool)));
      const { rows } = await pools[0]!.query('SELECT version FROM bgio_chaster_schema');
      expect(rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('a storage conflict (two writers of one match) is rejected, not merged', async (ctx) => {
    if (missing()) return ctx.skip();
    const url = await database();
    const [poolA, poolB] = [createPostgresPool(url, 2), createPostgresPool(url, 2)];
    try {
      await migratePostgres(poolA);
      const a = new PostgresStore(poolA);
      const b = new PostgresStore(poolB);
      const game = PenaltyGame as AnyGame;
      const match = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
      if ('setupDataError' in match) throw new Error(String(match.setupDataError));
      await a.createMatch('m1', match);
      const reducer = CreateGameReducer({ game });
      const move = (type: string, args: unknown[] = []) =>
        reducer(match.initialState, {
          type: 'MAKE_MOVE',
          payload: { type, args, playerID: '0' },
        } as never) as State & { deltalog: LogEntry[] };
      const lose = move('lose');
      const pass = move('pass');
      // Both instances offer _stateID 1 for the same match at the same time.
      await Promise.all([
        a.setState('m1', { ...lose, deltalog: undefined } as State, lose.deltalog),
        b.setState('m1', { ...pass, deltalog: undefined } as State, pass.deltalog),
      ]);
      const { state, log } = await a.fetch('m1', { state: true, log: true });
      expect(state._stateID).toBe(1);
      expect(log).toHaveLength(1);
      const winner = log[0]!.action.payload.type;
      expect(state.G.moves).toBe(1);
      const outbox = await new PgRepository(poolA).requestsOf('m1');
      // The winner's intents only: a lose has one, a pass none.
      expect(outbox).toHaveLength(winner === 'lose' ? 1 : 0);
    } finally {
      await Promise.all([poolA.end(), poolB.end()]);
    }
  });

  it('players of one match on different instances see each other’s moves, each only once it is committed', async (ctx) => {
    if (missing()) return ctx.skip();
    const chaster = await emulator();
    const databaseUrl = await database();
    const servers = await cluster(2, {
      DATABASE_PATH: databaseUrl,
      CHASTER_API_URL: chaster.url,
      CHASTER_TOKEN: chaster.token,
    });
    const [one, two] = servers.map((s) => ({ url: s.url, emulator: chaster }) as Stack);
    const a = chaster.createLock();
    const b = chaster.createLock();
    const { matchID, seat } = await host(one!, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
    const seatB = await join(two!, b.tokens.wearer, matchID);
    const clientA = await connect(one!, PenaltyGame, matchID, seat);
    const clientB = await connect(two!, PenaltyGame, matchID, seatB);
    // Hold the match row, so A's write waits. boardgame.io broadcasts before it writes: had B
    // seen the move now and answered, instance two would have refused the answer as stale.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM matches WHERE match_id = $1 FOR UPDATE', [matchID]);
    clientA.moves.pass!();
    await new Promise((r) => setTimeout(r, 500));
    expect(clientB.getState()!.G.moves, 'B saw a move that was not committed').toBe(0);
    await blocker.query('COMMIT');
    await until(() => clientB.getState()!.G.moves === 1, 'B sees A’s move');
    clientB.moves.lose!('0');
    await until(() => clientA.getState()!.G.moves === 2, 'A sees B’s move');
    // The request and its status are visible from either instance.
    const rows = await final(two!.url, matchID, seatB.token, 1);
    expect(rows[0]!.status).toBe('delivered');
    expect(
      (await api(one!.url, 'GET', `/api/rooms/${matchID}/verifications`, { token: seat.token }))
        .json.requests[0].status,
    ).toBe('delivered');
  }, 30_000);

  it('30 matches with known losses across three instances: exactly the expected requests, no duplicates', async (ctx) => {
    if (missing()) return ctx.skip();
    const chaster = await emulator();
    const servers = await cluster(3, {
      DATABASE_PATH: await database(),
      CHASTER_API_URL: chaster.url,
      CHASTER_TOKEN: chaster.token,
    });
    const stacks = servers.map((s) => ({ url: s.url, emulator: chaster }) as Stack);
    const expected = new Map<string, number>();
    const rooms = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const stack = stacks[i % 3]!;
        const locks = [chaster.createLock(), chaster.createLock()];
        const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
          game: 'penalty',
          numPlayers: 2,
        });
        await join(stacks[(i + 1) % 3]!, locks[1]!.tokens.wearer, matchID);
        const client = await connect(stack, PenaltyGame, matchID, seat);
        for (let m = 0; m < 20; m++) {
          const before = client.getState()!._stateID;
          if (m % 5 === 4) {
            const target = String((m / 5) % 2 < 1 ? 0 : 1);
            client.moves.lose!(target);
            const id = locks[Number(target)]!.sessionId;
            expected.set(id, (expected.get(id) ?? 0) + 1);
          } else client.moves.pass!();
          await until(() => client.getState()!._stateID > before, 'move applied');
        }
        return { matchID, seat, stack };
      }),
    );
    for (const { matchID, seat, stack } of rooms) {
      const rows = await final(stack.url, matchID, seat.token, 4);
      expect(
        rows.filter((r) => r.status !== 'delivered' && r.status !== 'already_pending'),
        JSON.stringify(rows),
      ).toEqual([]);
    }
    const received = new Map<string, number>();
    for (const r of chaster.requests())
      received.set(r.sessionId, (received.get(r.sessionId) ?? 0) + 1);
    expect(received, JSON.stringify(chaster.requests().filter((r) => r.status !== 201))).toEqual(
      expected,
    );
    expect(chaster.requests()).toHaveLength(120);
  }, 90_000);

  it('an instance SIGKILLed mid-delivery: the others deliver its rows after the lease', async (ctx) => {
    if (missing()) return ctx.skip();
    const chaster = await emulator();
    // Slow answers keep requests in flight on the instance that claims them.
    chaster.setFaults({ latencyMs: 1500, scope: 'verification' });
    const env = {
      DATABASE_PATH: await database(),
      CHASTER_API_URL: chaster.url,
      CHASTER_TOKEN: chaster.token,
      LEASE_MS: '1500',
    };
    const [victim] = await cluster(1, env);
    const stack = { url: victim!.url, emulator: chaster } as Stack;
    const locks = Array.from({ length: 4 }, () => chaster.createLock());
    const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
      game: 'penalty',
      numPlayers: 4,
    });
    for (const lock of locks.slice(1)) await join(stack, lock.tokens.wearer, matchID);
    const client = await connect(stack, PenaltyGame, matchID, seat);
    for (let target = 0; target < 4; target++) {
      const before = client.getState()!._stateID;
      client.moves.lose!(String(target));
      await until(() => client.getState()!._stateID > before, 'move applied');
    }
    // All four intents committed (the client's own state runs ahead of the server's), and at
    // least one send in flight on the victim.
    await until(async () => {
      const res = await api(victim!.url, 'GET', `/api/rooms/${matchID}/verifications`, {
        token: seat.token,
      });
      return res.json?.requests?.length === 4;
    }, 'four committed intents');
    await until(() => chaster.requests().length >= 1, 'a send in flight');
    client.stop();
    victim!.child.kill('SIGKILL');
    await exited(victim!.child);
    // The kill must have left work undone, or this test proves nothing.
    const pool = createPostgresPool(env.DATABASE_PATH, 1);
    const { rows: open } = await pool.query(
      `SELECT id FROM outbox WHERE status IN ('queued', 'sending')`,
    );
    await pool.end();
    expect(open.length).toBeGreaterThan(0);
    chaster.clearFaults();
    const survivors = await cluster(2, env);
    const rows = await final(survivors[0]!.url, matchID, seat.token, 4);
    expect(rows.map((r) => r.status).sort()).toEqual(
      rows.map((r) => (r.status === 'already_pending' ? 'already_pending' : 'delivered')).sort(),
    );
    for (const lock of locks) {
      const accepted = chaster
        .requests()
        .filter((r) => r.sessionId === lock.sessionId && r.status === 201);
      expect(accepted).toHaveLength(1);
    }
  }, 60_000);
});
