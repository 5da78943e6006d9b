/**
 * The emulator's configuration page support and custom logs, over real HTTP on loopback: tokens
 * minted by the control route, `GET`/`PUT /api/extensions/configurations/:token`, the saved config
 * in both session answers, the wearer's read-only token, stale tokens, and `%USER%` in custom logs.
 */
import { describe, expect, it } from 'vitest';
import { ASSUMED_ERRORS, CONFIGURATION_TOKEN_TTL_MS } from '../../src/emulator/index.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { startEmulator } from '../helpers/emulator.js';

async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** An emulator and helpers for its API (with the developer token) and its control routes. */
async function setUp(options: EmulatorOptions = {}) {
  const emulator = await startEmulator(options);
  const auth = { authorization: `Bearer ${emulator.token}` };
  return {
    emulator,
    api: (method: string, path: string, body?: unknown) =>
      call(`${emulator.url}/api/extensions${path}`, method, body, auth),
    control: (method: string, path: string, body?: unknown) =>
      call(`${emulator.url}/__emulator${path}`, method, body),
  };
}

const HOUSE_RULES = { allowedGames: ['dice-duel'], maxCooldownSeconds: 600 };

describe('configuration tokens and the configuration endpoints', () => {
  it('a keyholder token made by the control route reads, then saves, the lock’s configuration', async () => {
    const { emulator, api, control } = await setUp();
    const lock = emulator.createLock({ keyholderName: 'kh', wearerName: 'alice' });
    const minted = await control('POST', `/locks/${lock.lockId}/configuration-token`, {});
    expect(minted).toEqual({ status: 201, json: { token: expect.any(String) } });
    const { token } = minted.json as { token: string };

    const read = await api('GET', `/configurations/${token}`);
    expect(read).toEqual({
      status: 200,
      json: {
        config: {},
        role: 'keyholder',
        user: { _id: expect.stringMatching(/^[0-9a-f]{24}$/), username: 'kh', avatarUrl: null },
        sessionId: lock.sessionId,
        extensionSlug: 'bgio-chaster',
        createdAt: expect.any(String),
      },
    });

    const saved = await api('PUT', `/configurations/${token}`, { config: HOUSE_RULES });
    expect(saved.status).toBe(200);
    expect(saved.json).toEqual({ ...(read.json as object), config: HOUSE_RULES });
    expect((await api('GET', `/configurations/${token}`)).json).toMatchObject({
      config: HOUSE_RULES,
    });
  });

  it('a save replaces the whole config rather than merging into it', async () => {
    const { emulator, api } = await setUp();
    const lock = emulator.createLock({ config: { loserRequest: true, maxCooldownSeconds: 60 } });
    const token = emulator.configurationToken(lock.lockId);
    await api('PUT', `/configurations/${token}`, { config: { minKeyholderDemands: 2 } });
    expect((await api('GET', `/configurations/${token}`)).json).toMatchObject({
      config: { minKeyholderDemands: 2 },
    });
  });

  it('a saved config shows up in the session’s config and in the mainToken exchange’s session', async () => {
    const { emulator, api } = await setUp();
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId, 'keyholder');
    expect((await api('PUT', `/configurations/${token}`, { config: HOUSE_RULES })).status).toBe(
      200,
    );

    const session = (await api('GET', `/sessions/${lock.sessionId}`)).json as {
      session: { config: unknown };
    };
    expect(session.session.config).toEqual(HOUSE_RULES);
    for (const mainToken of [lock.tokens.wearer, lock.tokens.keyholder!]) {
      const auth = (await api('GET', `/auth/sessions/${mainToken}`)).json as {
        session: { config: unknown };
        lockForUser: { extensions: Array<{ slug: string; config: unknown }> };
      };
      expect(auth.session.config).toEqual(HOUSE_RULES);
      const ours = auth.lockForUser.extensions.find((e) => e.slug === 'bgio-chaster');
      expect(ours?.config).toEqual(HOUSE_RULES);
    }
  });

  it('POST /__emulator/locks takes a config, and PUT /__emulator/locks/:lockId/config sets one', async () => {
    const { api, control } = await setUp();
    const created = await control('POST', '/locks', { config: { loserRequest: true } });
    expect(created.status).toBe(201);
    const { lockId, sessionId } = created.json as { lockId: string; sessionId: string };
    const configOf = async () =>
      ((await api('GET', `/sessions/${sessionId}`)).json as { session: { config: unknown } })
        .session.config;
    expect(await configOf()).toEqual({ loserRequest: true });

    const set = await control('PUT', `/locks/${lockId}/config`, { config: HOUSE_RULES });
    expect(set).toEqual({ status: 200, json: { lockId, config: HOUSE_RULES } });
    expect(await configOf()).toEqual(HOUSE_RULES);
  });

  it('a lock made without a config has {} as its config', async () => {
    const { emulator, api } = await setUp();
    const lock = emulator.createLock();
    const session = (await api('GET', `/sessions/${lock.sessionId}`)).json as {
      session: { config: unknown };
    };
    expect(session.session.config).toEqual({});
  });

  it('a wearer token may read the configuration but not save it', async () => {
    const { emulator, api, control } = await setUp();
    const lock = emulator.createLock({ wearerName: 'alice', config: { loserRequest: true } });
    const minted = await control('POST', `/locks/${lock.lockId}/configuration-token`, {
      role: 'wearer',
    });
    const { token } = minted.json as { token: string };
    expect((await api('GET', `/configurations/${token}`)).json).toMatchObject({
      role: 'wearer',
      user: { username: 'alice' },
      config: { loserRequest: true },
    });
    const refused = await api('PUT', `/configurations/${token}`, { config: {} });
    expect(refused).toEqual({
      status: ASSUMED_ERRORS.configurationReadOnly.status,
      json: { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' },
    });
    const session = (await api('GET', `/sessions/${lock.sessionId}`)).json as {
      session: { config: unknown };
    };
    expect(session.session.config).toEqual({ loserRequest: true });
  });

  it('an unknown token gets the assumed 404, for a read and a save alike', async () => {
    const { api } = await setUp();
    for (const method of ['GET', 'PUT']) {
      const body = method === 'PUT' ? { config: {} } : undefined;
      const res = await api(method, '/configurations/no-such-token', body);
      expect(res).toEqual({
        status: ASSUMED_ERRORS.configurationNotFound.status,
        json: { statusCode: 404, message: 'Configuration not found', error: 'Not Found' },
      });
    }
  });

  it('a token older than its assumed lifetime is unknown', async () => {
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const { emulator, api } = await setUp({ now: () => clock });
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId);
    clock += CONFIGURATION_TOKEN_TTL_MS - 1;
    expect((await api('GET', `/configurations/${token}`)).status).toBe(200);
    clock += 1;
    expect((await api('GET', `/configurations/${token}`)).status).toBe(
      ASSUMED_ERRORS.configurationNotFound.status,
    );
  });

  it('a save is PUT: POST is not a route, and a config that is not an object is refused', async () => {
    const { emulator, api } = await setUp();
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId);
    expect((await api('POST', `/configurations/${token}`, { config: {} })).status).toBe(404);
    for (const body of [{ config: [1] }, { config: 'x' }, {}, undefined]) {
      expect(await api('PUT', `/configurations/${token}`, body)).toEqual({
        status: 400,
        json: { statusCode: 400, message: ['config must be an object'], error: 'Bad Request' },
      });
    }
  });

  it('configuration calls need the developer token', async () => {
    const { emulator } = await setUp();
    const lock = emulator.createLock();
    const token = emulator.configurationToken(lock.lockId);
    const res = await call(
      `${emulator.url}/api/extensions/configurations/${token}`,
      'GET',
      undefined,
      {
        authorization: 'Bearer wrong',
      },
    );
    expect(res.status).toBe(ASSUMED_ERRORS.unauthorized.status);
  });

  it('the control routes refuse an unknown lock, a keyholder token on a self-lock and bad bodies', async () => {
    const { emulator, control } = await setUp();
    expect(await control('POST', '/locks/nope/configuration-token', {})).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'No emulated lock nope' },
    });
    expect((await control('PUT', '/locks/nope/config', { config: {} })).status).toBe(404);
    const selfLock = emulator.createLock({ keyholder: false });
    const noKeyholder = await control('POST', `/locks/${selfLock.lockId}/configuration-token`);
    expect(noKeyholder.status).toBe(400);
    expect((noKeyholder.json as { message: string }).message).toContain('no keyholder');
    expect(
      (await control('POST', `/locks/${selfLock.lockId}/configuration-token`, { role: 'wearer' }))
        .status,
    ).toBe(201);
    const badRole = await control('POST', `/locks/${selfLock.lockId}/configuration-token`, {
      role: 'admin',
    });
    expect(badRole).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    const badConfig = await control('PUT', `/locks/${selfLock.lockId}/config`, { config: [] });
    expect(badConfig).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(() => emulator.configurationToken('nope')).toThrow('No emulated lock nope');
  });
});

describe('custom logs', () => {
  it('records each custom log with %USER% replaced by role, listed in order across sessions', async () => {
    const { emulator, api, control } = await setUp();
    const one = emulator.createLock({ wearerName: 'alice', keyholderName: 'kh' });
    const two = emulator.createLock({ wearerName: 'bob', keyholder: false });
    const log = (sessionId: string, body: Record<string, unknown>) =>
      api('POST', `/sessions/${sessionId}/logs/custom`, { description: '', ...body });
    expect((await log(one.sessionId, { title: '%USER% lost a round', role: 'user' })).status).toBe(
      201,
    );
    await log(two.sessionId, { title: '%USER% drew a verify card', role: 'wearer' });
    await log(one.sessionId, { title: '%USER% demanded a picture', role: 'keyholder' });
    await log(one.sessionId, { title: 'Room over: %USER% and %USER%', description: 'GG' });
    await log(two.sessionId, { title: '%USER% (self-lock) as keyholder', role: 'keyholder' });

    const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    const expected = [
      { sessionId: one.sessionId, title: 'alice lost a round', description: '', role: 'user', at },
      {
        sessionId: two.sessionId,
        title: 'bob drew a verify card',
        description: '',
        role: 'wearer',
        at,
      },
      {
        sessionId: one.sessionId,
        title: 'kh demanded a picture',
        description: '',
        role: 'keyholder',
        at,
      },
      {
        sessionId: one.sessionId,
        title: 'Room over: alice and alice',
        description: 'GG',
        role: 'extension',
        at,
      },
      {
        sessionId: two.sessionId,
        title: 'bob (self-lock) as keyholder',
        description: '',
        role: 'keyholder',
        at,
      },
    ];
    expect(await control('GET', '/custom-logs')).toEqual({ status: 200, json: expected });
    expect(emulator.customLogEntries()).toEqual(expected);
    // What the extension sent is kept as sent.
    expect(emulator.customLogs(one.sessionId).map((l) => l.title)).toEqual([
      '%USER% lost a round',
      '%USER% demanded a picture',
      'Room over: %USER% and %USER%',
    ]);
  });

  it('a username is put in literally, never read as a replacement pattern', async () => {
    const { emulator, api } = await setUp();
    const lock = emulator.createLock({ wearerName: '$&$1' });
    await api('POST', `/sessions/${lock.sessionId}/logs/custom`, {
      title: 'hi %USER%',
      description: '',
    });
    expect(emulator.customLogEntries().map((l) => l.title)).toEqual(['hi $&$1']);
  });

  it('a refused custom log is not listed', async () => {
    const { emulator, api, control } = await setUp();
    const lock = emulator.createLock();
    const res = await api('POST', `/sessions/${lock.sessionId}/logs/custom`, { title: '' });
    expect(res.status).toBe(400);
    expect((await control('GET', '/custom-logs')).json).toEqual([]);
  });
});
