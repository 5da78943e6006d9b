import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChasterError, createChasterClient } from '../../src/chaster/index.js';
import { clientFor, rejectionOf, startEmulator } from '../helpers/emulator.js';

async function chasterError(promise: Promise<unknown>): Promise<ChasterError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ChasterError);
  return error as ChasterError;
}

describe('Chaster client against the emulator: success paths', () => {
  it('exchanges a mainToken for role, session, lock and user id', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ title: 'Weekend lock' });
    const client = clientFor(emulator);

    const wearer = await client.getSessionAuth(lock.tokens.wearer);
    expect(wearer.role).toBe('wearer');
    expect(wearer.session.sessionId).toBe(lock.sessionId);
    expect(wearer.lockForUser.title).toBe('Weekend lock');
    expect(wearer.userId).toBe(wearer.session.lock.user._id);

    const keyholder = await client.getSessionAuth(lock.tokens.keyholder!);
    expect(keyholder.role).toBe('keyholder');
    expect(keyholder.userId).toBe(keyholder.session.lock.keyholder?._id);
  });

  it('reads a session and keeps fields the schema does not name', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const session = await clientFor(emulator).getSession(lock.sessionId);
    expect(session.sessionId).toBe(lock.sessionId);
    expect(session.lock._id).toBe(lock.lockId);
    expect(session.lock.extensions?.map((e) => e.slug)).toContain('verification-picture');
    expect((session as Record<string, unknown>).metadata).toEqual({
      reasonsPreventingUnlocking: [],
      homeActions: [],
    });
  });

  it.each(['wearer', 'keyholder', 'extension'] as const)(
    'requests a verification picture as %s and the emulator records it',
    async (actor) => {
      const emulator = await startEmulator();
      const lock = emulator.createLock();
      await expect(
        clientFor(emulator).requestVerificationPicture(lock.sessionId, actor),
      ).resolves.toBeUndefined();
      expect(emulator.requests()).toEqual([
        { sessionId: lock.sessionId, actor, status: 201, at: expect.any(String) },
      ]);
    },
  );

  it('writes a custom log entry', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    await clientFor(emulator).createCustomLog(lock.sessionId, {
      title: '%USER% lost a round of Dice Duel',
      description: 'Rolled 2 against 5',
      role: 'extension',
      icon: 'dice',
      color: '#aa3300',
    });
    expect(emulator.customLogs(lock.sessionId)).toEqual([
      expect.objectContaining({ title: '%USER% lost a round of Dice Duel', role: 'extension' }),
    ]);
  });

  it('sends the bearer token and X-Chaster-Client-Id when configured', async () => {
    const emulator = await startEmulator();
    const seen: Array<string | string[] | undefined> = [];
    emulator.server.prependListener('request', (req) =>
      seen.push(req.headers.authorization, req.headers['x-chaster-client-id']),
    );
    const lock = emulator.createLock();
    await clientFor(emulator, { clientId: 'my-app-client-id' }).getSession(lock.sessionId);
    expect(seen).toEqual(['Bearer emulator-dev-token', 'my-app-client-id']);
  });

  it('reuses keep-alive connections for sequential calls', async () => {
    const emulator = await startEmulator();
    let connections = 0;
    emulator.server.on('connection', () => (connections += 1));
    const lock = emulator.createLock();
    const client = clientFor(emulator);
    for (let i = 0; i < 20; i++) await client.getSession(lock.sessionId);
    // undici may open a second socket while the first is still settling; never one per call.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('never opens more sockets than `connections`', async () => {
    const emulator = await startEmulator();
    let connections = 0;
    emulator.server.on('connection', () => (connections += 1));
    emulator.setFaults({ latencyMs: 50 });
    const lock = emulator.createLock();
    const client = clientFor(emulator, { connections: 2 });
    await Promise.all(Array.from({ length: 10 }, () => client.getSession(lock.sessionId)));
    expect(connections).toBe(2);
  });
});

describe('Chaster client against the emulator: Chaster says no', () => {
  it('a wrong developer token is unauthorized, not retryable', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const error = await chasterError(
      clientFor(emulator, { token: 'wrong-token' }).getSession(lock.sessionId),
    );
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(error.message).not.toContain('wrong-token');
  });

  it('an unknown mainToken is session_not_found and the token is not echoed', async () => {
    const emulator = await startEmulator();
    const error = await chasterError(clientFor(emulator).getSessionAuth('no-such-main-token'));
    expect(error).toMatchObject({ code: 'session_not_found', status: 404, retryable: false });
    expect(JSON.stringify(error)).not.toContain('no-such-main-token');
  });

  it('an expired mainToken is session_not_found', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ tokenTtlMs: 1 });
    await new Promise((r) => setTimeout(r, 10));
    const error = await chasterError(clientFor(emulator).getSessionAuth(lock.tokens.wearer));
    expect(error.code).toBe('session_not_found');
  });

  it('an unknown sessionId is session_not_found', async () => {
    const emulator = await startEmulator();
    const error = await chasterError(
      clientFor(emulator).requestVerificationPicture('AAAAAAAAAAAAAAAAAAAAA', 'extension'),
    );
    expect(error).toMatchObject({ code: 'session_not_found', status: 404 });
  });

  it('a lock without Verification Picture is extension_not_enabled with Chaster’s message', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ verificationPicture: false });
    const error = await chasterError(
      clientFor(emulator).requestVerificationPicture(lock.sessionId, 'extension'),
    );
    expect(error).toMatchObject({
      code: 'extension_not_enabled',
      retryable: false,
      serverMessage: 'Verification picture extension not found on this lock',
    });
    expect(error.displayMessage).toBe('Verification picture extension not found on this lock');
  });

  it('actor keyholder on a lock without keyholder is no_keyholder; extension still works', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ keyholder: false });
    expect(lock.tokens.keyholder).toBeUndefined();
    const client = clientFor(emulator);
    const error = await chasterError(
      client.requestVerificationPicture(lock.sessionId, 'keyholder'),
    );
    expect(error).toMatchObject({ code: 'no_keyholder', retryable: false });
    await expect(client.requestVerificationPicture(lock.sessionId, 'extension')).resolves.toBe(
      undefined,
    );
  });

  it('a second request while one is pending is already_pending, and works again after submit', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const client = clientFor(emulator);
    await client.requestVerificationPicture(lock.sessionId, 'extension');
    const error = await chasterError(client.requestVerificationPicture(lock.sessionId, 'wearer'));
    expect(error).toMatchObject({ code: 'already_pending', retryable: false });
    await emulator.submit(lock.sessionId);
    await client.requestVerificationPicture(lock.sessionId, 'wearer');
    expect(emulator.requests().map((r) => r.status)).toEqual([201, 400, 201]);
  });
});

describe('Chaster client against the emulator: faults', () => {
  it('429 with Retry-After in seconds is rate_limited with retryAfterMs', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const lock = emulator.createLock();
    const error = await chasterError(
      clientFor(emulator).requestVerificationPicture(lock.sessionId, 'extension'),
    );
    expect(error).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
    });
  });

  it('429 with Retry-After as an HTTP date is never earlier than the date', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 5, retryAfterStyle: 'date' });
    const lock = emulator.createLock();
    const error = await chasterError(clientFor(emulator).getSession(lock.sessionId));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(4000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(6000);
  });

  it('429 with only X-RateLimit-Reset (epoch seconds) gives the wait until the reset', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 30, retryAfterStyle: 'reset' });
    const lock = emulator.createLock();
    const error = await chasterError(clientFor(emulator).getSession(lock.sessionId));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(29_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(31_000);
  });

  it('503 is a retryable server_error', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ errorRate: 1 });
    const lock = emulator.createLock();
    const error = await chasterError(
      clientFor(emulator).requestVerificationPicture(lock.sessionId, 'extension'),
    );
    expect(error).toMatchObject({ code: 'server_error', status: 503, retryable: true });
    expect(emulator.requests()).toEqual([expect.objectContaining({ status: 503, fault: 'error' })]);
  });

  it('a 502 with an HTML body is server_error and keeps the raw text', async () => {
    const emulator = await startEmulator();
    const page = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
    emulator.setFaults({ errorRate: 1, errorStatus: 502, errorBody: page });
    const lock = emulator.createLock();
    const error = await chasterError(clientFor(emulator).getSession(lock.sessionId));
    expect(error).toMatchObject({
      code: 'server_error',
      status: 502,
      retryable: true,
      rawBody: page,
    });
    expect(error.serverMessage).toBeUndefined();
  });

  it('an unknown status (418) is classified without crashing, keeping the message', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ errorRate: 1, errorStatus: 418, errorBody: 'I am a teapot' });
    const lock = emulator.createLock();
    const error = await chasterError(clientFor(emulator).getSession(lock.sessionId));
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 418,
      serverMessage: 'I am a teapot',
      retryable: false,
    });
  });

  it('a 200 whose body is not JSON is bad_response', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ garbleRate: 1 });
    const lock = emulator.createLock();
    const error = await chasterError(clientFor(emulator).getSession(lock.sessionId));
    expect(error).toMatchObject({ code: 'bad_response', status: 200, retryable: false });
    expect(error.rawBody).toContain('nginx');
  });

  it('a stalled answer hits the deadline precisely and is a retryable timeout', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ stallRate: 1, stallMs: 5000 });
    const lock = emulator.createLock();
    const client = clientFor(emulator, { timeoutMs: 300 });
    const started = performance.now();
    const error = await chasterError(
      client.requestVerificationPicture(lock.sessionId, 'extension'),
    );
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'timeout', retryable: true, status: undefined });
    // undici's own timers tick once a second; the AbortSignal deadline must not.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(800);
  });

  it('a per-call timeout overrides the client deadline', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ latencyMs: 400 });
    const lock = emulator.createLock();
    const client = clientFor(emulator, { timeoutMs: 100 });
    await expect(client.getSession(lock.sessionId, { timeoutMs: 2000 })).resolves.toMatchObject({
      sessionId: lock.sessionId,
    });
  });

  it('a caller abort is rethrown as the caller’s reason, not as a ChasterError', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ latencyMs: 1000 });
    const lock = emulator.createLock();
    const controller = new AbortController();
    const call = clientFor(emulator).getSession(lock.sessionId, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('player left')), 50);
    await expect(call).rejects.toThrow('player left');
  });

  it('a connection dropped mid-response is a retryable network error', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ dropRate: 1 });
    const lock = emulator.createLock();
    const error = await chasterError(
      clientFor(emulator).requestVerificationPicture(lock.sessionId, 'extension'),
    );
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(emulator.requests()).toEqual([
      expect.objectContaining({ status: 0, fault: 'drop', actor: 'extension' }),
    ]);
  });

  it('a refused connection is a retryable network error', async () => {
    // Take a free port and close it again, so nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const client = createChasterClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
    const error = await chasterError(client.getSession('abc'));
    await client.close();
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('an answer larger than maxResponseBytes is bad_response', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ errorRate: 1, errorStatus: 500, errorBody: 'x'.repeat(5000) });
    const lock = emulator.createLock();
    const error = await chasterError(
      clientFor(emulator, { maxResponseBytes: 1000 }).getSession(lock.sessionId),
    );
    expect(error).toMatchObject({ code: 'bad_response', status: 500 });
  });
});
