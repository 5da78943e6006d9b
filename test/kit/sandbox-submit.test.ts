/**
 * The sandbox shows the whole loop: in sandbox mode a seated wearer answers their own delivered
 * picture request from the page (`verifications.sandboxSubmit`) and sees it become `submitted`;
 * a server that is not in sandbox mode has no such route and says nothing of a sandbox.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../src/client/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { until } from '../helpers/stack.js';
import { flood, startTarget } from '../helpers/targets.js';

const WEBHOOK = { user: 'sandbox', password: 'sandbox-webhook' };

async function sandboxTarget() {
  const made: { emulator?: ChasterEmulator } = {};
  const target = await startTarget('sqlite', {
    games: [PenaltyGame],
    limits: TEST_LIMITS,
    webhook: WEBHOOK,
    sandbox: { submitPicture: (sessionId) => made.emulator!.submit(sessionId) },
  });
  made.emulator = target.emulator;
  target.emulator.setWebhook({ url: `${target.urls[0]}/api/chaster/webhooks`, ...WEBHOOK });
  return target;
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('sandbox submit', () => {
  it('a wearer answers their own delivered request, which becomes submitted; nobody else can', async () => {
    const target = await sandboxTarget();
    const url = target.urls[0]!;
    const client = createApiClient({ baseUrl: url });
    const lock = target.emulator.createLock();
    const me = await client.login(lock.tokens.wearer);
    expect(me.sandbox).toBe(true);
    const api = client.withToken(me.token);

    const matchID = await flood(url, me.token, 1);
    await until(
      async () => (await api.verifications.list(matchID))[0]?.status === 'delivered',
      'delivered',
    );

    // Someone else, signed in but not seated here, cannot answer it.
    const stranger = client.withToken(
      (await client.login(target.emulator.createLock().tokens.wearer)).token,
    );
    expect((await refusal(stranger.verifications.sandboxSubmit(matchID))).code).toBe('not_seated');

    // From another login of the same wearer (a reload signs in again): still their seat.
    const again = client.withToken((await client.login(lock.tokens.wearer)).token);
    await again.verifications.sandboxSubmit(matchID);
    await until(
      async () => (await api.verifications.list(matchID))[0]?.status === 'submitted',
      'submitted',
    );
    // Answered: nothing is pending any more.
    expect((await refusal(api.verifications.sandboxSubmit(matchID))).code).toBe('nothing_pending');
  });

  it('outside sandbox mode the login says nothing of it and the route does not exist', async () => {
    const target = await startTarget('sqlite', { games: [PenaltyGame], limits: TEST_LIMITS });
    const client = createApiClient({ baseUrl: target.urls[0]! });
    const me = await client.login(target.emulator.createLock().tokens.wearer);
    expect(me).not.toHaveProperty('sandbox');
    const matchID = await flood(target.urls[0]!, me.token, 1);
    const error = await refusal(client.withToken(me.token).verifications.sandboxSubmit(matchID));
    expect(error.status).toBe(404);
  });
});
