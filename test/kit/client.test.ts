/**
 * `bgio-chaster/client`'s calls against a real game server and the Chaster emulator over
 * loopback: login, rooms, the server's `{error, message}` as typed `ApiError`s, and answers the
 * contract does not allow (from a tiny local server) as `bad_answer`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../src/client/index.js';
import type { LoginAnswer, Room } from '../../src/client/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { startStack, until } from '../helpers/stack.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A local HTTP server answering every request with `answer`; resolves to its URL. */
async function fakeServer(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(answer);
  servers.push(server);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The `ApiError` a promise rejects with (fails the test when it resolves or throws another). */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const NO_LIMITS = { cooldownSeconds: 0, maxRequestsPerMatch: 100 };

describe('createApiClient against a real server', () => {
  it('logs in, hosts, lists, shows and joins rooms, and logs out', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const a = stack.emulator.createLock({ wearerName: 'alice' });
    const b = stack.emulator.createLock({ wearerName: 'bob' });
    const api = createApiClient({ baseUrl: stack.url + '/' });

    const me: LoginAnswer = await api.login(a.tokens.wearer);
    expect(me).toEqual({
      token: expect.any(String),
      expiresAt: expect.any(String),
      role: 'wearer',
      user: { id: expect.any(String), username: 'alice' },
      lock: {
        id: expect.any(String),
        title: expect.any(String),
        status: expect.any(String),
        wearer: 'alice',
        keyholder: expect.any(String),
        verificationPicture: true,
      },
      houseRules: null,
    });
    expect(Date.parse(me.expiresAt)).toBeGreaterThan(Date.now());
    const alice = api.withToken(me.token);

    const created = await alice.rooms.create({ game: 'penalty', numPlayers: 2, rules: NO_LIMITS });
    expect(created).toEqual({
      matchID: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      playerID: '0',
      credentials: expect.any(String),
    });

    const listed = await alice.rooms.list();
    expect(listed.map((r) => r.matchID)).toEqual([created.matchID]);
    const room: Room = await alice.rooms.get(created.matchID);
    expect(room).toEqual({
      matchID: created.matchID,
      game: 'penalty',
      rules: NO_LIMITS,
      gameover: null,
      createdAt: expect.any(String),
      seats: [
        { playerID: '0', role: 'wearer', name: 'alice', taken: true },
        { playerID: '1', role: 'wearer', name: null, taken: false },
      ],
    });
    expect(listed[0]).toEqual(room);

    const bob = api.withToken((await api.login(b.tokens.wearer)).token);
    const seat = await bob.rooms.join(created.matchID);
    expect(seat).toEqual({ playerID: '1', credentials: expect.any(String) });
    // Joining again gives the same seat with fresh credentials.
    const again = await bob.rooms.join(created.matchID);
    expect(again.playerID).toBe('1');
    expect(again.credentials).not.toBe(seat.credentials);
    expect((await bob.rooms.get(created.matchID)).seats[1]).toEqual({
      playerID: '1',
      role: 'wearer',
      name: 'bob',
      taken: true,
    });
    expect(await bob.verifications.list(created.matchID)).toEqual([]);

    await alice.logout();
    const gone = await apiError(alice.rooms.list());
    expect([gone.status, gone.code, gone.loginExpired]).toEqual([401, 'token_expired', true]);
  });

  it("a refusal is an ApiError with the server's status, code and message", async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock();
    const api = createApiClient({ baseUrl: stack.url });
    const alice = api.withToken((await api.login(lock.tokens.wearer)).token);

    const badBody = await apiError(alice.rooms.create({ game: 'penalty', numPlayers: 0 }));
    expect(badBody).toMatchObject({ name: 'ApiError', status: 400, code: 'invalid_request' });
    expect(badBody.message).toMatch(/^Invalid body: numPlayers: /);
    expect(badBody.loginExpired).toBe(false);

    const unknownGame = await apiError(alice.rooms.create({ game: 'chess', numPlayers: 2 }));
    expect([unknownGame.status, unknownGame.code]).toEqual([400, 'unknown_game']);
    expect(unknownGame.message).toBe('There is no game "chess". Games: penalty.');

    const noRoom = await apiError(alice.rooms.get('nosuchroom1'));
    expect([noRoom.status, noRoom.code, noRoom.message]).toEqual([
      404,
      'room_not_found',
      'There is no room nosuchroom1.',
    ]);
    expect((await apiError(alice.rooms.join('nosuchroom1'))).code).toBe('room_not_found');
    expect((await apiError(alice.verifications.list('nosuchroom1'))).code).toBe('room_not_found');

    // A matchID that is no room id never reaches a URL (where `..` would climb out of /rooms).
    for (const matchID of ['..', '.', 'a/b', '']) {
      const refused = await apiError(alice.rooms.get(matchID));
      expect([refused.status, refused.code]).toEqual([400, 'invalid_request']);
    }

    const badToken = await apiError(api.login('not a token'));
    expect([badToken.status, badToken.code]).toEqual([400, 'invalid_request']);
    const unknownToken = await apiError(api.login('unknown-main-token'));
    expect([unknownToken.status, unknownToken.code, unknownToken.loginExpired]).toEqual([
      401,
      'invalid_main_token',
      false,
    ]);
    const forged = await apiError(api.withToken('forged.token').rooms.list());
    expect([forged.status, forged.code, forged.loginExpired]).toEqual([401, 'unauthorized', true]);
  });

  it('an unreachable server is a network error; an abort stays an AbortError', async () => {
    const url = await fakeServer(() => {});
    const silent = createApiClient({ baseUrl: url });
    const controller = new AbortController();
    const pending = silent.login('token', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(pending).rejects.not.toBeInstanceOf(ApiError);

    const closed = await fakeServer((req) => req.socket.destroy());
    const error = await apiError(createApiClient({ baseUrl: closed }).login('token'));
    expect([error.status, error.code]).toEqual([0, 'network']);
    expect(error.message).toBe('The game server cannot be reached; check your connection.');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('an answer the contract does not allow is a bad_answer ApiError', async () => {
    const answers: Array<[number, string, string]> = [];
    const url = await fakeServer((_req, res) => {
      const [status, type, body] = answers.shift()!;
      res.writeHead(status, { 'content-type': type }).end(body);
    });
    const client = createApiClient({ baseUrl: url }).withToken('t');
    const bad = async (status: number, type: string, body: string) => {
      answers.push([status, type, body]);
      return apiError(client.rooms.list());
    };

    const wrongShape = await bad(200, 'application/json', '{"rooms":[{"matchID":5}]}');
    expect([wrongShape.status, wrongShape.code]).toEqual([200, 'bad_answer']);
    expect(wrongShape.message).toBe(
      'The game server sent an answer this page cannot read; reload it or try again later.',
    );
    expect(wrongShape.cause).toBeDefined();
    expect((await bad(200, 'text/html', '<html>hello</html>')).code).toBe('bad_answer');
    expect((await bad(200, 'application/json', '')).code).toBe('bad_answer');
    const proxy = await bad(502, 'text/html', '<h1>Bad Gateway</h1>');
    expect([proxy.status, proxy.code, proxy.message]).toEqual([
      502,
      'bad_answer',
      'The game server answered 502 Bad Gateway; try again later.',
    ]);
    // An error body without a message is not the server's either.
    expect((await bad(409, 'application/json', '{"error":"x","message":""}')).code).toBe(
      'bad_answer',
    );
    // Fields the contract does not know are dropped, so a newer server does not break a client.
    answers.push([200, 'application/json', '{"rooms":[],"next":"later"}']);
    expect(await client.rooms.list()).toEqual([]);
  });

  it('takes a custom fetch, and needs a baseUrl where there is no page', async () => {
    const seen: string[] = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      seen.push(
        `${init?.method} ${String(input)} ${new Headers(init?.headers).get('authorization')}`,
      );
      return new Response(JSON.stringify({ ok: true }), {
        headers: { 'content-type': 'application/json' },
      });
    };
    await createApiClient({ baseUrl: 'https://games.example/base/', fetch: fetchSpy })
      .withToken('abc')
      .logout();
    expect(seen).toEqual(['DELETE https://games.example/base/api/login Bearer abc']);

    expect(() => createApiClient()).toThrow(TypeError);
    expect(() => createApiClient({ baseUrl: 'ftp://games.example' })).toThrow(/http\(s\) URL/);
    expect(() => createApiClient({ baseUrl: '/games' })).not.toThrow();
  });

  it('refuses a baseUrl that starts like a path but names another host', () => {
    for (const baseUrl of [
      '//evil.example',
      '//evil.example/games',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '\\\\evil.example',
      'games',
      'javascript:alert(1)',
      '',
    ]) {
      expect(() => createApiClient({ baseUrl }), JSON.stringify(baseUrl)).toThrow(
        new TypeError(
          `createApiClient: baseUrl must be an http(s) URL or a path on the page's own origin ` +
            `(starting with one "/"), not "${baseUrl}".`,
        ),
      );
    }
    for (const baseUrl of [
      '/',
      '/games/',
      '/a/b',
      'http://127.0.0.1:8000',
      'HTTPS://Games.Example',
    ]) {
      expect(() => createApiClient({ baseUrl }), baseUrl).not.toThrow();
    }
  });
});

describe('createApiClient against answers that never end', () => {
  it('stops reading an answer past 1 MiB, and says bad_answer', async () => {
    let closed = 0;
    const url = await fakeServer((req, res) => {
      res.on('close', () => closed++);
      if (req.url === '/api/rooms') {
        // Valid JSON, just too long: without the cap the call would succeed.
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`{"rooms":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      }
      if (req.url?.endsWith('/verifications')) {
        return res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(`{"error":"boom","message":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      }
      // An endless body: chunks until the client goes.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"rooms":[');
      const more = () => {
        if (res.destroyed) return;
        if (res.write('0,'.repeat(32 * 1024))) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    const client = createApiClient({ baseUrl: url }).withToken('t');

    const long = await apiError(client.rooms.list());
    expect([long.status, long.code]).toEqual([200, 'bad_answer']);
    expect(long.cause).toMatchObject({ message: 'an answer over 1 MiB' });
    const longError = await apiError(client.verifications.list('room1'));
    expect([longError.status, longError.code]).toEqual([500, 'bad_answer']);

    const endless = await apiError(client.rooms.get('room1'));
    expect([endless.status, endless.code]).toEqual([200, 'bad_answer']);
    // The body was cancelled: the server saw the connection go.
    await until(() => closed === 3, 'the endless answer to be cut');
  });

  it('gives up on a call after timeoutMs, as a timeout ApiError; an abort stays an AbortError', async () => {
    const url = await fakeServer((req, res) => {
      // Headers at once, then a body that never ends nor grows.
      if (req.url === '/api/rooms')
        res.writeHead(200, { 'content-type': 'application/json' }).write('{');
    });
    const client = createApiClient({ baseUrl: url, timeoutMs: 200 }).withToken('t');
    const started = Date.now();
    const silent = await apiError(client.rooms.get('room1'));
    expect([silent.status, silent.code, silent.message]).toEqual([
      0,
      'timeout',
      'The game server did not answer in time; check your connection and try again.',
    ]);
    const stalled = await apiError(client.rooms.list());
    expect([stalled.status, stalled.code]).toEqual([0, 'timeout']);
    expect(Date.now() - started).toBeLessThan(2000);

    const controller = new AbortController();
    const pending = client.rooms.list({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(pending).rejects.not.toBeInstanceOf(ApiError);
  });
});
