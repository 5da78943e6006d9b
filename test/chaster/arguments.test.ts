import { describe, expect, it } from 'vitest';
import { ChasterArgumentError, createChasterClient } from '../../src/chaster/index.js';
import type { Actor } from '../../src/chaster/index.js';
import { clientFor, rejectionOf, startEmulator } from '../helpers/emulator.js';

function argumentError(fn: () => unknown): ChasterArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ChasterArgumentError);
    return error as ChasterArgumentError;
  }
  throw new Error('expected a ChasterArgumentError');
}

describe('bad input fails before any request, naming the argument', () => {
  it.each([
    ['', 'must not be empty'],
    ['has space', 'must contain only letters'],
    ['../../admin', 'must contain only letters'],
    ['x'.repeat(129), 'at most 128'],
  ])('sessionId %j', async (sessionId, problem) => {
    const emulator = await startEmulator();
    const client = clientFor(emulator);
    const error = await rejectionOf(client.requestVerificationPicture(sessionId, 'extension'));
    expect(error).toBeInstanceOf(ChasterArgumentError);
    expect(error).toMatchObject({ code: 'invalid_argument', argument: 'sessionId' });
    expect((error as Error).message).toContain(problem);
    expect(emulator.requests()).toEqual([]);
  });

  it.each([['admin'], [''], [undefined], [42]])('actor %j', async (actor) => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const error = await rejectionOf(
      clientFor(emulator).requestVerificationPicture(lock.sessionId, actor as unknown as Actor),
    );
    expect(error).toMatchObject({ code: 'invalid_argument', argument: 'actor' });
    expect(emulator.requests()).toEqual([]);
  });

  it('a non-string sessionId is reported as required/invalid, not a crash', async () => {
    const emulator = await startEmulator();
    const error = await rejectionOf(clientFor(emulator).getSession(undefined as unknown as string));
    expect(error).toMatchObject({ argument: 'sessionId' });
    expect((error as Error).message).toBe('Invalid sessionId: is required');
  });

  it('mainToken with spaces or empty', async () => {
    const emulator = await startEmulator();
    const client = clientFor(emulator);
    for (const token of ['', 'a b', 'line\nbreak']) {
      expect(await rejectionOf(client.getSessionAuth(token))).toMatchObject({
        argument: 'mainToken',
      });
    }
  });

  it('a custom log without a title names log.title', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const error = await rejectionOf(
      clientFor(emulator).createCustomLog(lock.sessionId, { title: '', description: 'x' }),
    );
    expect(error).toMatchObject({ argument: 'log.title' });
    expect(emulator.customLogs(lock.sessionId)).toEqual([]);
  });

  it('a missing token names options.token and says what to pass', () => {
    const error = argumentError(() =>
      createChasterClient({ baseUrl: 'http://127.0.0.1:1' } as never),
    );
    expect(error.argument).toBe('options.token');
    expect(error.message).toContain('developer token');
  });

  it('an empty token, a token with a line break, and a bad baseUrl are refused', () => {
    expect(
      argumentError(() => createChasterClient({ baseUrl: 'http://x', token: '' })).argument,
    ).toBe('options.token');
    expect(
      argumentError(() => createChasterClient({ baseUrl: 'http://x', token: 'a\r\nX-Evil: 1' }))
        .argument,
    ).toBe('options.token');
    expect(
      argumentError(() => createChasterClient({ baseUrl: 'ftp://x', token: 't' })).argument,
    ).toBe('options.baseUrl');
    expect(
      argumentError(() => createChasterClient({ baseUrl: 'http://x', token: 't', timeoutMs: -1 }))
        .argument,
    ).toBe('options.timeoutMs');
  });
});
