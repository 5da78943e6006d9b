import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { connect, host, join, settled, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const DAY = 24 * 60 * 60 * 1000;

async function playedRoom(stack: Stack, { finish }: { finish: boolean }) {
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock();
  const { matchID, seat } = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
  await join(stack, b.tokens.wearer, matchID);
  const client = await connect(stack, PenaltyGame, matchID, seat);
  client.moves.lose!('1');
  await settled(stack, matchID, seat.token, 1);
  if (finish) {
    client.moves.finish!();
    await until(
      () => stack.server.store.fetch(matchID, { metadata: true }).metadata?.gameover,
      'game over',
    );
  }
  return { matchID, seat };
}

function count(stack: Stack, table: string, matchID: string): number {
  return (
    stack.server.store.db
      .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE match_id = ?`)
      .get(matchID) as { n: number }
  ).n;
}

describe('retention: what is pruned and what is kept', () => {
  it('prunes finished matches after a week and abandoned ones after a month, with their rows', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const finished = await playedRoom(stack, { finish: true });
    const live = await playedRoom(stack, { finish: false });
    const now = Date.now();

    // A day later: nothing to prune but the logins, which last 12 h.
    expect(await stack.server.prune(now + DAY)).toMatchObject({ matches: 0, logins: 4 });
    const week = await stack.server.prune(now + DEFAULT_RETENTION.finishedMatchesMs + DAY);
    expect(week.matches).toBe(1);
    for (const table of ['matches', 'match_log', 'seats', 'rooms', 'outbox']) {
      expect(count(stack, table, finished.matchID), table).toBe(0);
      expect(count(stack, table, live.matchID), table).toBeGreaterThan(0);
    }
    const month = await stack.server.prune(now + DEFAULT_RETENTION.idleMatchesMs + DAY);
    expect(month.matches).toBe(1);
    expect(count(stack, 'matches', live.matchID)).toBe(0);
  });

  it('never prunes a match whose requests are still being delivered', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    stack.emulator.setFaults({ errorRate: 1, scope: 'verification' });
    const a = stack.emulator.createLock();
    const { matchID, seat } = await host(stack, a.tokens.wearer, {
      game: 'penalty',
      numPlayers: 1,
    });
    const client = await connect(stack, PenaltyGame, matchID, seat);
    client.moves.lose!();
    client.moves.finish!();
    await until(
      () => stack.server.store.fetch(matchID, { metadata: true }).metadata?.gameover,
      'game over',
    );
    expect((await stack.server.prune(Date.now() + 400 * DAY)).matches).toBe(0);
    expect(count(stack, 'outbox', matchID)).toBe(1);
  });

  it('drops final requests older than the policy even in a live match, so the outbox stays bounded', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const live = await playedRoom(stack, { finish: false });
    expect(count(stack, 'outbox', live.matchID)).toBe(1);
    const result = await stack.server.prune(Date.now() + DEFAULT_RETENTION.finalRequestsMs + DAY);
    expect(result.requests).toBeGreaterThanOrEqual(1);
    expect(count(stack, 'outbox', live.matchID)).toBe(0);
  });
});
