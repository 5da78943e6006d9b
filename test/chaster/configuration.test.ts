/**
 * The Chaster client's configuration calls against the emulator: `getConfiguration` and
 * `updateConfiguration` with a partnerConfigurationToken, their typed errors, and the saved config
 * as `getSession` and `getSessionAuth` see it.
 */
import { describe, expect, it } from 'vitest';
import {
  ChasterArgumentError,
  ChasterError,
  classifyAnswer,
  createChasterClient,
} from '../../src/chaster/index.js';
import { clientFor, rejectionOf, startEmulator } from '../helpers/emulator.js';

async function chasterError(promise: Promise<unknown>): Promise<ChasterError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ChasterError);
  return error as ChasterError;
}

const HOUSE_RULES = { loserRequest: true, minKeyholderDemands: 2 };

describe('Chaster client: the configuration page’s calls', () => {
  it('reads a configuration, saves one, and the session then carries it', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ keyholderName: 'kh' });
    const token = emulator.configurationToken(lock.lockId);
    const client = clientFor(emulator);

    const before = await client.getConfiguration(token);
    expect(before).toMatchObject({
      config: {},
      role: 'keyholder',
      sessionId: lock.sessionId,
      user: { username: 'kh' },
      extensionSlug: 'bgio-chaster',
    });

    const saved = await client.updateConfiguration(token, HOUSE_RULES);
    expect(saved.config).toEqual(HOUSE_RULES);
    expect((await client.getConfiguration(token)).config).toEqual(HOUSE_RULES);
    expect((await client.getSession(lock.sessionId)).config).toEqual(HOUSE_RULES);
    expect((await client.getSessionAuth(lock.tokens.wearer)).session.config).toEqual(HOUSE_RULES);
  });

  it('sends the save as PUT with {config} as its body', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId);
    const seen: Array<{ method?: string; body: string }> = [];
    emulator.server.prependListener('request', (req) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        seen.push({ method: req.method, body: Buffer.concat(chunks).toString() }),
      );
    });
    await clientFor(emulator).updateConfiguration(token, HOUSE_RULES);
    expect(seen).toEqual([{ method: 'PUT', body: JSON.stringify({ config: HOUSE_RULES }) }]);
  });

  it('a wearer’s token reads, and its save is forbidden', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock({ config: { loserRequest: true } });
    const token = emulator.configurationToken(lock.lockId, 'wearer');
    const client = clientFor(emulator);
    expect(await client.getConfiguration(token)).toMatchObject({
      role: 'wearer',
      config: { loserRequest: true },
    });
    const error = await chasterError(client.updateConfiguration(token, {}));
    expect(error).toMatchObject({ code: 'forbidden', status: 403, retryable: false });
    expect(error.operation).toBe('PUT /api/extensions/configurations/:token');
    expect((await client.getSession(lock.sessionId)).config).toEqual({ loserRequest: true });
  });

  it('an unknown or expired token is configuration_not_found, and the token is not echoed', async () => {
    let clock = Date.now();
    const emulator = await startEmulator({ now: () => clock });
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId);
    const client = clientFor(emulator);
    const unknown = await chasterError(client.getConfiguration('not-a-real-token'));
    expect(unknown).toMatchObject({
      code: 'configuration_not_found',
      status: 404,
      retryable: false,
    });
    expect(unknown.message).not.toContain('not-a-real-token');
    expect(unknown.operation).toBe('GET /api/extensions/configurations/:token');

    clock += 13 * 60 * 60 * 1000;
    const expired = await chasterError(client.updateConfiguration(token, {}));
    expect(expired.code).toBe('configuration_not_found');
    expect(JSON.stringify(expired)).not.toContain(token);
    expect(expired.rawBody ?? '').not.toContain(token);
  });

  it('a 404 or an expired-token message to a configuration call never reads as a missing session', () => {
    const answer = (operation: 'getConfiguration' | 'updateConfiguration', message: string) =>
      classifyAnswer({
        operation,
        route: 'GET /api/extensions/configurations/:token',
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ statusCode: 404, message }),
      }).code;
    expect(answer('getConfiguration', 'Not Found')).toBe('configuration_not_found');
    expect(answer('updateConfiguration', 'Invalid token')).toBe('configuration_not_found');
    expect(answer('getConfiguration', 'Configuration not found')).toBe('configuration_not_found');
    expect(
      classifyAnswer({
        operation: 'getSession',
        route: 'GET /api/extensions/sessions/:sessionId',
        status: 404,
        headers: {},
        body: JSON.stringify({ message: 'Not Found' }),
      }).code,
    ).toBe('session_not_found');
  });

  it('refuses a bad token or a config that is not an object before sending anything', async () => {
    const emulator = await startEmulator();
    const client = clientFor(emulator);
    let calls = 0;
    emulator.server.prependListener('request', () => (calls += 1));
    for (const token of ['', 'a b', 'line\nbreak', undefined]) {
      const error = await rejectionOf(client.getConfiguration(token as unknown as string));
      expect(error).toBeInstanceOf(ChasterArgumentError);
      expect(error).toMatchObject({ argument: 'token' });
    }
    for (const config of [null, [], 'x', 3]) {
      const error = await rejectionOf(
        client.updateConfiguration('a-token', config as unknown as Record<string, unknown>),
      );
      expect(error).toMatchObject({ code: 'invalid_argument', argument: 'config' });
    }
    expect(calls).toBe(0);
  });

  it('an answer without the fields it needs is a bad_response', async () => {
    const emulator = await startEmulator();
    emulator.setFaults({ garbleRate: 1 });
    const error = await chasterError(clientFor(emulator).getConfiguration('some-token'));
    expect(error.code).toBe('bad_response');
  });

  it('a session with a null config still parses (no saved configuration)', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          session: {
            sessionId: 's1',
            config: null,
            lock: { _id: 'l', status: 'locked', title: 't', user: { _id: 'u', username: 'w' } },
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const client = createChasterClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
    try {
      expect((await client.getSession('s1')).config).toBeNull();
    } finally {
      await client.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
