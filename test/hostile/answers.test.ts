/**
 * Whatever Chaster answers, delivery goes on, alike on SQLite and on two instances sharing
 * Postgres: an error text that is huge, in a multi-byte script, or full of control characters
 * (NUL, line breaks) is shown and stored bounded and clean, and never breaks a claim. (On Postgres,
 * text cannot hold NUL and a NOTIFY payload must stay under 8000 bytes: an unbounded message once
 * stopped every delivery on every instance until the row aged out.) A lost LISTEN connection
 * comes back by itself, and the instance reports itself unhealthy meanwhile.
 */
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { needServices } from '../helpers/services-suite.js';
import { api, until } from '../helpers/stack.js';
import { flood, login, startTarget } from '../helpers/targets.js';
import type { Target, TargetKind } from '../helpers/targets.js';

const missing = needServices('The Postgres half of the hostile-answer tests');

/** Just under where a NOTIFY of the row being claimed overflowed, and with NUL and newlines. */
const HOSTILE_TEXT = '拒'.repeat(2500) + 'a'.repeat(143) + '\u0000 line\r\nbreak';

function start(kind: TargetKind) {
  return startTarget(kind, { games: [PenaltyGame], limits: TEST_LIMITS });
}

async function statuses(target: Target, matchID: string, token: string) {
  const res = await api(target.urls[0]!, 'GET', `/api/rooms/${matchID}/verifications`, { token });
  expect(res.status).toBe(200);
  return res.json.requests as Array<{ status: string; message: string | null }>;
}

function hostileAnswer(target: Target, errorStatus: number) {
  target.emulator.setFaults({
    errorRate: 1,
    errorStatus,
    retryAfterSeconds: 0,
    scope: 'verification',
    errorBody: JSON.stringify({ statusCode: errorStatus, message: HOSTILE_TEXT, error: 'x' }),
  });
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (kind) => {
  it('a refusal with a huge, multi-byte, control-laden message is stored short and clean', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start(kind);
    hostileAnswer(target, 400);
    const token = await login(target.urls[0]!, target.emulator.createLock().tokens.wearer);
    const matchID = await flood(target.urls[0]!, token, 1);
    await until(
      async () => (await statuses(target, matchID, token))[0]?.status === 'failed',
      'failed',
    );
    const [row] = await statuses(target, matchID, token);
    expect(Array.from(row!.message!).length).toBeLessThanOrEqual(300);
    expect(row!.message).toMatch(/^拒+…$/);
    // eslint-disable-next-line no-control-regex -- no control character may survive
    expect(row!.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('retries answered with such a message never stop the queue: every request is delivered once the answers heal', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start(kind);
    hostileAnswer(target, 503);
    const first = await login(target.urls[0]!, target.emulator.createLock().tokens.wearer);
    const firstRoom = await flood(target.urls[0]!, first, 1);
    // Several attempts, each a recorded outcome and a new claim of the same row.
    await until(() => target.emulator.requests().length >= 3, 'retried');
    const other = await login(target.urls.at(-1)!, target.emulator.createLock().tokens.wearer);
    const otherRoom = await flood(target.urls.at(-1)!, other, 1);
    await until(async () => (await statuses(target, otherRoom, other)).length === 1, 'recorded');
    target.emulator.clearFaults();
    await until(
      async () =>
        (await statuses(target, firstRoom, first))[0]?.status === 'delivered' &&
        (await statuses(target, otherRoom, other))[0]?.status === 'delivered',
      'both delivered',
    );
    const delivered = target.emulator.requests().filter((r) => r.status === 201);
    expect(delivered).toHaveLength(2);
  });
});

describe('on postgres, the LISTEN connection', () => {
  it('comes back after its backend is terminated; the instance is unhealthy meanwhile, then hears changes again', async (ctx) => {
    if (missing()) return ctx.skip();
    const target = await start('postgres');
    const [server, url] = [target.servers[0]!, target.urls[0]!];
    const pool = (server.store as unknown as { pool: Pool }).pool;
    const killed = await pool.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(killed.rows[0]!.n).toBeGreaterThanOrEqual(1);
    const health = async () => (await fetch(`${url}/healthz`)).status;
    let sawUnhealthy = false;
    await until(async () => {
      const status = await health();
      if (status === 503) sawUnhealthy = true;
      return sawUnhealthy && status === 200;
    }, 'unhealthy, then healthy again');
    // Heard again: a change made on the other instance reaches this instance's feed.
    const heard: string[] = [];
    server.changes.subscribe((rows) => heard.push(...rows.map((r) => r.status)));
    const token = await login(target.urls[1]!, target.emulator.createLock().tokens.wearer);
    await flood(target.urls[1]!, token, 1);
    await until(() => heard.includes('delivered'), 'heard on the first instance');
  });
});
