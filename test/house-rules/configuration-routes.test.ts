/**
 * The configuration page's routes, `GET` and `PUT /api/configurations/:token`, over real HTTP
 * against the emulator, and the kit's `configuration.get` / `save` on them:
 * - the keyholder reads and saves house rules, and the next login of their wearer keeps them;
 * - invalid house rules are refused with 400 `invalid_house_rules` and the schema's sentence,
 *   and nothing is saved; an invalid stored config reads as `{}` with a `problem`;
 * - an unknown token is 404 `configuration_not_found` (remembered: Chaster is asked once);
 * - a wearer's token reads (`canSave` false) and a save with it is 403 `only_keyholder_saves`;
 * - a malformed token is 400 before anything reaches Chaster;
 * - calls are limited per address and in all (429), and spend the Chaster budget;
 * - no answer or log line carries the token, the developer token or the sessionId.
 */
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  PartnerConfigurationTokenSchema,
  createApiClient,
} from '../../src/client/index.js';
import type { HouseRules } from '../../src/api/house-rules.js';
import type { DispatcherOptions } from '../../src/server/index.js';
import { DEFAULT_API_LIMITS } from '../../src/server/limits.js';
import type { ApiLimits } from '../../src/server/limits.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { api, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const RULES: HouseRules = { allowedGames: ['dice-duel'], maxCooldownSeconds: 600 };
/** What every answer adds about this server: its games and its default bounds. */
const SERVER = {
  games: ['penalty'],
  serverLimits: { minCooldownSeconds: 0, maxRequestsPerMatch: 100 },
};

/** A server on the emulator that notes every configuration call the emulator receives. */
async function start(limits: Partial<ApiLimits> = {}, dispatcher?: DispatcherOptions) {
  const stack = await startStack({ games: [PenaltyGame], limits, dispatcher });
  const chasterCalls: string[] = [];
  stack.emulator.server.on('request', (req: { method?: string; url?: string }) => {
    if (req.url?.startsWith('/api/extensions/configurations/')) {
      chasterCalls.push(`${req.method} ${req.url}`);
    }
  });
  const lock = stack.emulator.createLock({ wearerName: 'alice', keyholderName: 'kim' });
  return {
    stack,
    lock,
    chasterCalls,
    keyholderToken: stack.emulator.configurationToken(lock.lockId, 'keyholder'),
    wearerToken: stack.emulator.configurationToken(lock.lockId, 'wearer'),
  };
}

const read = (stack: Stack, token: string) => api(stack.url, 'GET', `/api/configurations/${token}`);
const save = (stack: Stack, token: string, body: unknown) =>
  api(stack.url, 'PUT', `/api/configurations/${token}`, { body });

/** The lock's config as Chaster (the emulator) keeps it. */
async function chasterConfig(stack: Stack, sessionId: string): Promise<unknown> {
  const res = await fetch(`${stack.emulator.url}/api/extensions/sessions/${sessionId}`, {
    headers: { authorization: `Bearer ${stack.emulator.token}` },
  });
  return ((await res.json()) as { session: { config: unknown } }).session.config;
}

/** The house rules the server stored with each login, oldest first. */
function storedHouseRules(stack: Stack): unknown[] {
  const { db } = stack.server.store as unknown as {
    db: { prepare(sql: string): { all(): Array<{ house_rules: string | null }> } };
  };
  return db
    .prepare('SELECT house_rules FROM logins ORDER BY created_at, id')
    .all()
    .map((r) => (r.house_rules === null ? null : JSON.parse(r.house_rules)));
}

/** Fails when any of `secrets` shows in the server's log lines. */
function expectLogsFree(stack: Stack, secrets: string[]): void {
  const logs = stack.logs.join('\n');
  for (const secret of secrets) expect(logs).not.toContain(secret);
}

describe('GET and PUT /api/configurations/:token', () => {
  it('the keyholder reads and saves; the wearer’s next login keeps the saved house rules', async () => {
    const { stack, lock, keyholderToken } = await start();
    expect(await read(stack, keyholderToken)).toEqual({
      status: 200,
      json: { config: {}, role: 'keyholder', canSave: true, ...SERVER },
    });
    const saved = await save(stack, keyholderToken, { config: RULES });
    expect(saved).toEqual({
      status: 200,
      json: { config: RULES, role: 'keyholder', canSave: true, ...SERVER },
    });
    expect(await chasterConfig(stack, lock.sessionId)).toEqual(RULES);
    expect((await read(stack, keyholderToken)).json.config).toEqual(RULES);

    const signedIn = await api(stack.url, 'POST', '/api/login', {
      body: { mainToken: lock.tokens.wearer },
    });
    expect(signedIn.json.houseRules).toEqual(RULES);
    expect(storedHouseRules(stack)).toEqual([RULES]);
    // Saving {} clears them: the next login stores none.
    expect((await save(stack, keyholderToken, { config: {} })).json.config).toEqual({});
    const again = await api(stack.url, 'POST', '/api/login', {
      body: { mainToken: lock.tokens.wearer },
    });
    expect(again.json.houseRules).toBeNull();
    // The save reached the earlier login too.
    expect(storedHouseRules(stack)).toEqual([null, null]);
    expectLogsFree(stack, [keyholderToken, stack.emulator.token, lock.sessionId]);
  });

  it('a save binds a wearer already signed in at once, not from their next page load', async () => {
    const { stack, lock, keyholderToken } = await start();
    const wearer = (
      await api(stack.url, 'POST', '/api/login', { body: { mainToken: lock.tokens.wearer } })
    ).json.token as string;
    const hostPenalty = () =>
      api(stack.url, 'POST', '/api/rooms', {
        token: wearer,
        body: {
          game: 'penalty',
          numPlayers: 1,
          rules: { cooldownSeconds: 0, maxRequestsPerMatch: 5 },
        },
      });
    expect((await hostPenalty()).status).toBe(201);
    expect((await save(stack, keyholderToken, { config: RULES })).status).toBe(200);
    const refused = await hostPenalty();
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe('game_not_allowed');
    // Clearing them frees the same login again.
    expect((await save(stack, keyholderToken, { config: {} })).status).toBe(200);
    expect((await hostPenalty()).status).toBe(201);
  });

  it('invalid house rules: 400 invalid_house_rules with the schema’s sentence, nothing saved, Chaster not asked', async () => {
    const { stack, lock, keyholderToken, chasterCalls } = await start();
    stack.emulator.setConfig(lock.lockId, RULES);
    const wrong = await save(stack, keyholderToken, {
      config: { maxCooldownSeconds: 'soon' },
    });
    expect(wrong).toEqual({
      status: 400,
      json: {
        error: 'invalid_house_rules',
        message:
          'These house rules are not valid: maxCooldownSeconds must be a whole number from 0 to 86400.',
      },
    });
    const misspelt = await save(stack, keyholderToken, { config: { maxCooldown: 5 } });
    expect(misspelt.status).toBe(400);
    expect(misspelt.json.error).toBe('invalid_house_rules');
    expect(misspelt.json.message).toContain('unknown house rule "maxCooldown"');
    for (const body of [{ rules: RULES }, { config: RULES, extra: 1 }, [RULES], 'x']) {
      const res = await save(stack, keyholderToken, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toBe('invalid_request');
    }
    expect(chasterCalls).toEqual([]);
    expect(await chasterConfig(stack, lock.sessionId)).toEqual(RULES);
  });

  it('a stored config that is not valid house rules reads as {} with a problem', async () => {
    const { stack, lock, keyholderToken } = await start();
    stack.emulator.setConfig(lock.lockId, { maxCooldownSeconds: -1, loserRequest: true });
    const res = await read(stack, keyholderToken);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      config: {},
      role: 'keyholder',
      canSave: true,
      ...SERVER,
      problem: expect.stringContaining('maxCooldownSeconds must be a whole number from 0 to 86400'),
    });
  });

  it('an unknown token: 404 configuration_not_found, and a retry is answered without Chaster', async () => {
    const { stack, chasterCalls } = await start();
    const expected = {
      status: 404,
      json: {
        error: 'configuration_not_found',
        message:
          "This configuration link is unknown or has expired: open the extension's settings from Chaster again.",
      },
    };
    expect(await read(stack, 'no-such-token')).toEqual(expected);
    expect(await save(stack, 'no-such-token', { config: RULES })).toEqual(expected);
    expect(chasterCalls).toEqual(['GET /api/extensions/configurations/no-such-token']);
    expectLogsFree(stack, ['no-such-token']);
  });

  it('the answer names the operator’s own bounds, which win over house rules', async () => {
    const { stack, keyholderToken } = await start({
      minCooldownSeconds: 45,
      maxRequestsPerMatch: 7,
    });
    const res = await read(stack, keyholderToken);
    expect(res.json).toMatchObject({
      serverLimits: { minCooldownSeconds: 45, maxRequestsPerMatch: 7 },
    });
  });

  it('a wearer’s token reads with canSave false; a save with it is 403 only_keyholder_saves', async () => {
    const { stack, lock, wearerToken } = await start();
    stack.emulator.setConfig(lock.lockId, RULES);
    expect(await read(stack, wearerToken)).toEqual({
      status: 200,
      json: { config: RULES, role: 'wearer', canSave: false, ...SERVER },
    });
    const refused = await save(stack, wearerToken, { config: {} });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ error: 'only_keyholder_saves', message: expect.any(String) });
    expect(await chasterConfig(stack, lock.sessionId)).toEqual(RULES);
  });

  it('a malformed token is 400 before anything reaches Chaster', async () => {
    const { stack, chasterCalls } = await start();
    const malformed = [
      '',
      'has%20space',
      'a%2Fb',
      '.hidden',
      'a'.repeat(1025),
      '%C3%BCn%C3%AF',
      'semi;colon',
      'quote%22',
    ];
    for (const token of malformed) {
      for (const res of [await read(stack, token), await save(stack, token, { config: {} })]) {
        expect(res.status, token).toBe(400);
        expect(res.json, token).toEqual({
          error: 'invalid_request',
          message: expect.stringContaining('Invalid configuration token'),
        });
      }
    }
    // A dot-only token would be another of Chaster's routes once in its path.
    for (const token of ['.', '..', '...']) {
      expect(PartnerConfigurationTokenSchema.safeParse(token).success, token).toBe(false);
    }
    expect(PartnerConfigurationTokenSchema.safeParse('a'.repeat(1024)).success).toBe(true);
    expect(chasterCalls).toEqual([]);
    expect(stack.emulator.authCalls()).toBe(0);
  });

  it('other methods on the route are 404 not_found', async () => {
    const { stack, keyholderToken, chasterCalls } = await start();
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const res = await api(stack.url, method, `/api/configurations/${keyholderToken}`);
      expect(res.status, method).toBe(404);
      expect(res.json.error).toBe('not_found');
    }
    expect((await api(stack.url, 'GET', `/api/configurations/${keyholderToken}/x`)).status).toBe(
      404,
    );
    expect(chasterCalls).toEqual([]);
  });

  it('calls are limited per address, and in all, with 429 rate_limited', async () => {
    const perAddress = await start({ configurationsPerAddressPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await read(perAddress.stack, perAddress.keyholderToken)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await read(perAddress.stack, perAddress.keyholderToken);
    expect(refused.json).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(
        /^Too many configuration page calls from your address \(3 a minute\); try again in \d+ s\.$/,
      ),
    });
    // Malformed tokens count too: they cost the server a parse, never a Chaster call.
    expect((await read(perAddress.stack, 'bad%20token')).status).toBe(429);

    const global = await start({ configurationsPerMinute: 2 });
    const all = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${global.stack.url}/api/configurations/${global.keyholderToken}`);
      all.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(all).toEqual([200, 200, 429, 429]);
    expect(global.chasterCalls).toHaveLength(2);
  });

  it('with the default limits, one address spending its share leaves the page to everyone else', async () => {
    const { stack, keyholderToken } = await start({
      configurationsPerAddressPerMinute: DEFAULT_API_LIMITS.configurationsPerAddressPerMinute,
      configurationsPerMinute: DEFAULT_API_LIMITS.configurationsPerMinute,
    });
    const from = (localAddress: string) => new Agent({ localAddress });
    const attacker = from('127.0.0.9');
    const keyholder = from('127.0.0.2');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await undiciFetch(`${stack.url}/api/configurations/bogus${'x'.repeat(27)}${i}`, {
        dispatcher: attacker,
      });
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toContain(429);
    const res = await undiciFetch(`${stack.url}/api/configurations/${keyholderToken}`, {
      dispatcher: keyholder,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    await Promise.all([attacker.close(), keyholder.close()]);
  });

  it('each call spends the Chaster budget; once it is spent, 503 chaster_budget_spent and Chaster is not asked', async () => {
    let spent = 0;
    let left = 2;
    const budget = {
      take: () => 0,
      refund: () => {},
      spend: async () => {
        spent += 1;
        return left-- > 0 ? 0 : 4_000;
      },
      msUntilToken: () => 0,
    };
    const { stack, keyholderToken, chasterCalls } = await start({}, { budget });
    expect((await read(stack, keyholderToken)).status).toBe(200);
    expect((await save(stack, keyholderToken, { config: RULES })).status).toBe(200);
    expect(spent).toBe(2);
    const busy = await fetch(`${stack.url}/api/configurations/${keyholderToken}`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('4');
    expect(await busy.json()).toEqual({
      error: 'chaster_budget_spent',
      message: expect.stringMatching(/Chaster budget/),
    });
    expect(chasterCalls).toHaveLength(2);
  });
});

describe('the kit: createApiClient().configuration', () => {
  it('gets and saves with the token, and throws ApiError with the server’s codes', async () => {
    const { stack, lock, keyholderToken, wearerToken } = await start();
    const client = createApiClient({ baseUrl: stack.url });
    expect(await client.configuration.get(keyholderToken)).toEqual({
      config: {},
      role: 'keyholder',
      canSave: true,
      ...SERVER,
    });
    expect(await client.configuration.save(keyholderToken, RULES)).toEqual({
      config: RULES,
      role: 'keyholder',
      canSave: true,
      ...SERVER,
    });
    expect(await chasterConfig(stack, lock.sessionId)).toEqual(RULES);
    expect((await client.configuration.get(wearerToken)).canSave).toBe(false);

    const codeOf = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiError);
      return [(error as ApiError).status, (error as ApiError).code];
    };
    expect(await codeOf(client.configuration.save(wearerToken, {}))).toEqual([
      403,
      'only_keyholder_saves',
    ]);
    expect(await codeOf(client.configuration.get('no-such-token'))).toEqual([
      404,
      'configuration_not_found',
    ]);
    expect(
      await codeOf(
        client.configuration.save(keyholderToken, { maxCooldownSeconds: 1.5 } as HouseRules),
      ),
    ).toEqual([400, 'invalid_house_rules']);
    // A malformed token is refused by the kit itself, never sent.
    expect(await codeOf(client.configuration.get('../login'))).toEqual([400, 'invalid_request']);
  });
});
