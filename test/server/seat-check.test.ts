/**
 * The seat check shared by the socket guard and boardgame.io's `authenticateCredentials`: a
 * verified seat is believed for a few seconds without reading the seats table again, replaced
 * credentials stop passing at once, and wrong credentials are never remembered.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSeatCheck, seatCredentials } from '../../src/server/auth.js';
import { SqliteRepository } from '../../src/server/db/sqlite-repository.js';
import { openSqlite } from '../../src/server/db/sqlite.js';

afterEach(() => {
  vi.useRealTimers();
});

async function seated() {
  const repository = new SqliteRepository(openSqlite(':memory:'));
  const { credentials, hash } = seatCredentials('m1', '0');
  const bound = await repository.bindSeat(
    {
      matchID: 'm1',
      playerID: '0',
      loginId: 'a',
      sessionId: 's',
      role: 'wearer',
      userId: 'u',
      lockId: 'l',
      credentialsHash: hash,
    },
    Date.now(),
  );
  expect(bound).toBe(true);
  const reads = vi.spyOn(repository, 'seatOf');
  return { repository, credentials, reads, seats: createSeatCheck(repository) };
}

describe('createSeatCheck', () => {
  it('reads the seat once for repeated checks of the same credentials, again after 10 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { credentials, reads, seats } = await seated();
    for (let i = 0; i < 5; i++) expect(await seats.valid('m1', '0', credentials)).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 10_001);
    expect(await seats.valid('m1', '0', credentials)).toBe(true);
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('refuses credentials of another seat or match without reading, and never remembers a miss', async () => {
    const { credentials, reads, seats } = await seated();
    expect(await seats.valid('m1', '1', credentials)).toBe(false);
    expect(await seats.valid('m2', '0', credentials)).toBe(false);
    expect(await seats.valid('m1', '0', 42)).toBe(false);
    expect(reads).not.toHaveBeenCalled();
    const forged = `m1.0.${'x'.repeat(32)}`;
    expect(await seats.valid('m1', '0', forged)).toBe(false);
    expect(await seats.valid('m1', '0', forged)).toBe(false);
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('stops passing replaced credentials as soon as it is told', async () => {
    const { repository, credentials, seats } = await seated();
    expect(await seats.valid('m1', '0', credentials)).toBe(true);
    const fresh = seatCredentials('m1', '0');
    await repository.replaceSeatCredentials('m1', '0', fresh.hash);
    seats.forget('m1', '0');
    expect(await seats.valid('m1', '0', credentials)).toBe(false);
    expect(await seats.valid('m1', '0', fresh.credentials)).toBe(true);
  });
});
