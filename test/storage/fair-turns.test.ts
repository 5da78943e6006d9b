/**
 * Fair tags as both stores assign them at commit (outbox/fair-queue.ts): the wearer a row asks
 * about takes turns, across every room they sit in; a new wearer's first row joins the head of the
 * queue; a queue that ran dry hands nobody tags far behind another; rows settled at commit take no
 * turn; and on Postgres, commits for one wearer from two instances at once never share a tag.
 */
import type { Game, LogEntry, State } from 'boardgame.io';
import { describe, expect, it } from 'vitest';
import { createMatch } from '../../src/server/bgio.js';
import { numbered } from '../../src/server/db/outbox-sql.js';
import type { PostgresStore } from '../../src/server/db/postgres.js';
import { SqliteStore } from '../../src/server/db/sqlite.js';
import { perTest, storageBackends } from './backends.js';
import type { OpenStore } from './backends.js';

const backends = storageBackends().filter((backend) => backend.ours);
const open = perTest();

const game: Game = { name: 'fair', setup: () => ({}), moves: {} };

/** Runs SQL with `?` placeholders on the store's database; resolves to its rows. */
function sqlOf(store: OpenStore['store']) {
  return async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    if (store instanceof SqliteStore) {
      const statement = store.db.prepare(sql);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    }
    return (await (store as PostgresStore).pool.query(numbered(sql), params)).rows as T[];
  };
}

/**
 * A match whose seats are bound to the given wearers (undefined: nobody sits there), and `ask`,
 * which commits a move whose intents ask about the given seats, as the Master would.
 */
async function room(opened: OpenStore, matchID: string, wearers: Array<string | undefined>) {
  const sql = sqlOf(opened.store);
  const created = createMatch({
    game,
    numPlayers: wearers.length,
    setupData: undefined,
    unlisted: false,
  });
  if ('setupDataError' in created) throw new Error(String(created.setupDataError));
  await opened.db.createMatch(matchID, created);
  for (const [i, wearer] of wearers.entries()) {
    if (wearer === undefined) continue;
    await sql(
      `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
       VALUES (?, ?, ?, ?, 'wearer', ?, ?, 'hash', 0)`,
      [matchID, String(i), `login-${wearer}`, wearer, `user-${wearer}`, `lock-${wearer}`],
    );
  }
  let current: State = created.initialState;
  return {
    /** Commits one move asking about `players` (seat ids), on `store` (default: the one opened). */
    async ask(players: string[], store = opened.db): Promise<void> {
      const stateID = current._stateID + 1;
      const intents = players.map((player) => ({
        player,
        reason: 'lost',
        by: 'rules',
        requestedBy: '0',
      }));
      const state = {
        ...current,
        _stateID: stateID,
        plugins: { verification: { data: { intents } } },
      } as State;
      const deltalog = [
        {
          action: { type: 'MAKE_MOVE', payload: { type: 'lose', args: [], playerID: '0' } },
          _stateID: current._stateID,
          turn: 1,
          phase: '',
        },
      ] as LogEntry[];
      await store.setState(matchID, state, deltalog);
      // The turn ends: SqliteStore's transaction writes the turn's moves.
      await new Promise((resolve) => setImmediate(resolve));
      current = state;
    },
  };
}

describe.each(backends)('fair tags: $name', (backend) => {
  /** Each row's tag, as `id tag`, by match, then in commit order. */
  const tags = async (opened: OpenStore) =>
    (
      await sqlOf(opened.store)<{ id: string; fair_tag: number | string }>(
        'SELECT id, fair_tag FROM outbox ORDER BY match_id, state_id, idx',
      )
    ).map((r) => `${r.id} ${Number(r.fair_tag)}`);

  it("one wearer's rows take one turn across all their rooms; rooms of distinct wearers alternate", async (ctx) => {
    const opened = await open(backend, ctx);
    const first = await room(opened, 'a1', ['wearer-a']);
    const second = await room(opened, 'a2', ['wearer-a']);
    const other = await room(opened, 'b1', ['wearer-b']);
    for (let i = 0; i < 3; i++) await first.ask(['0']);
    for (let i = 0; i < 3; i++) await second.ask(['0']);
    for (let i = 0; i < 3; i++) await other.ask(['0']);
    expect(await tags(opened)).toEqual([
      // Wearer a's second room carries on after their first: a room is no new turn.
      'a1:1:0 1',
      'a1:2:0 2',
      'a1:3:0 3',
      'a2:1:0 4',
      'a2:2:0 5',
      'a2:3:0 6',
      // Wearer b joins the head of the queue and alternates with a from there.
      'b1:1:0 1',
      'b1:2:0 2',
      'b1:3:0 3',
    ]);
  });

  it("a new wearer's first row joins the head of the queue; a row for an empty seat takes no turn", async (ctx) => {
    const opened = await open(backend, ctx);
    const sql = sqlOf(opened.store);
    const busy = await room(opened, 'a1', ['wearer-a']);
    for (let i = 0; i < 4; i++) await busy.ask(['0']);
    await sql(`UPDATE outbox SET status = 'delivered' WHERE id IN ('a1:1:0', 'a1:2:0')`);
    // Seat 1 is empty: its row fails at commit, with no tag and no turn for anyone.
    const newcomer = await room(opened, 'c1', ['wearer-c', undefined]);
    await newcomer.ask(['0', '1']);
    expect(await tags(opened)).toEqual([
      'a1:1:0 1',
      'a1:2:0 2',
      'a1:3:0 3',
      'a1:4:0 4',
      'c1:1:0 3',
      'c1:1:1 0',
    ]);
    const turns = await sql<{ session_id: string; last_tag: number | string }>(
      'SELECT session_id, last_tag FROM fair_turns ORDER BY session_id',
    );
    expect(turns.map((t) => [t.session_id, Number(t.last_tag)])).toEqual([
      ['wearer-a', 4],
      ['wearer-c', 3],
    ]);
  });

  it('once the queue ran dry, a newcomer starts at the highest last tag, not behind a wearer served just before', async (ctx) => {
    const opened = await open(backend, ctx);
    const sql = sqlOf(opened.store);
    const served = await room(opened, 'a1', ['wearer-a']);
    for (let i = 0; i < 5; i++) await served.ask(['0']);
    await sql(`UPDATE outbox SET status = 'delivered'`);
    // A newcomer's flood: from the highest last tag on, so a's next row is not behind all of it.
    const flood = await room(opened, 'f1', ['wearer-f']);
    for (let i = 0; i < 5; i++) await flood.ask(['0']);
    await served.ask(['0']);
    const rows = await tags(opened);
    expect(rows.filter((r) => r.startsWith('f1:'))).toEqual([
      'f1:1:0 5',
      'f1:2:0 6',
      'f1:3:0 7',
      'f1:4:0 8',
      'f1:5:0 9',
    ]);
    expect(rows).toContain('a1:6:0 6');
  });

  it('commits for one wearer from two rooms on two instances at once never share a tag', async (ctx) => {
    const opened = await open(backend, ctx);
    const here = await room(opened, 'a1', ['wearer-a']);
    const there = await room(opened, 'a2', ['wearer-a']);
    const elsewhere = opened.reopen();
    const MOVES = 10;
    await Promise.all([
      (async () => {
        for (let i = 0; i < MOVES; i++) await here.ask(['0']);
      })(),
      (async () => {
        for (let i = 0; i < MOVES; i++) await there.ask(['0'], elsewhere);
      })(),
    ]);
    const assigned = (await tags(opened)).map((r) => Number(r.split(' ')[1]));
    expect(assigned.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 2 * MOVES }, (_, i) => i + 1),
    );
  });
});
