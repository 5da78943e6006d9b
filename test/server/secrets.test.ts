/**
 * docs/design.md, Promises: "The developer token and Chaster sessionIds never reach a browser, a log
 * line or a lobby response." A short game runs through every path that carries Chaster data — a
 * delivered request, a refusal with Chaster's own message (a lock without the Verification Picture
 * extension), a 503 phase with retries, a submitted picture (webhook), and failed session
 * exchanges — while everything the server says is captured: HTTP bodies and headers of our API, the
 * SSE feed, the lobby (our room list and room view, also as a user seated in no room, and
 * boardgame.io's Lobby routes, which answer 404), every socket frame each player receives (each sees
 * the other's moves and requests), every frame of a socket whose spectator sync is refused, and
 * every log line. No secret may appear anywhere in it.
 */
import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { settled, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const EXTENSION_MISSING = 'Verification picture extension not found on this lock';

const sockets: Socket[] = [];
const aborts: AbortController[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const controller of aborts.splice(0)) controller.abort();
});

/** Records one HTTP answer: status, every header, and the body. */
function record(into: string[], res: Response, text: string): void {
  into.push(`${res.status} ${JSON.stringify([...res.headers])}\n${text}`);
}

/** Calls the server and records the answer; returns status and parsed JSON. */
async function call(
  into: string[],
  stack: Stack,
  method: string,
  path: string,
  { token, body }: { token?: string; body?: unknown } = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(stack.url + path, {
    method,
    headers: {
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  record(into, res, text);
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Opens the SSE feed and keeps reading it into `sse` until aborted. */
async function openFeed(stack: Stack, matchID: string, token: string, sse: { text: string }) {
  const controller = new AbortController();
  aborts.push(controller);
  const res = await fetch(`${stack.url}/api/rooms/${matchID}/verifications`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  sse.text += `${res.status} ${JSON.stringify([...res.headers])}\n`;
  const decoder = new TextDecoder();
  const reading = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        sse.text += decoder.decode(chunk, { stream: true });
      }
    } catch {
      // Aborted.
    }
  })();
  return async () => {
    controller.abort();
    await reading;
  };
}

/** A raw socket.io connection that records every frame it receives (engine packets included). */
async function capturedSocket(stack: Stack, frames: string[]): Promise<Socket> {
  const socket = io(`${stack.url}/penalty`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  sockets.push(socket);
  socket.io.on('open', () => {
    socket.io.engine.on('packet', (packet) => frames.push(JSON.stringify(packet)));
  });
  socket.onAny((event: string, ...args: unknown[]) => frames.push(JSON.stringify([event, args])));
  socket.connect();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Which of `secrets` occur in `text`, as readable findings. */
function leaks(channel: string, texts: string[], secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    for (const [name, secret] of Object.entries(secrets)) {
      const at = text.indexOf(secret);
      if (at !== -1)
        found.push(`${name} in ${channel}: …${text.slice(Math.max(0, at - 80), at + 80)}…`);
    }
  }
  return found;
}

describe('secrets stay on the server', () => {
  it('the developer token, Chaster sessionIds and mainTokens reach no response, socket frame or log line', async () => {
    const webhook = { user: 'hook', password: 'hook-password' };
    const stack = await startStack({ games: [PenaltyGame], webhook });
    stack.emulator.setWebhook({ url: `${stack.url}/api/chaster/webhooks`, ...webhook });
    const a = stack.emulator.createLock();
    const b = stack.emulator.createLock({ verificationPicture: false });
    const http: string[] = [];
    const lobby: string[] = [];
    const framesA: string[] = [];
    const framesB: string[] = [];
    const refusedFrames: string[] = [];
    const sse = { text: '' };

    // Sessions: wearers, a keyholder, an unknown mainToken, and an exchange while Chaster fails.
    const loginA = await call(http, stack, 'POST', '/api/login', {
      body: { mainToken: a.tokens.wearer },
    });
    expect(loginA.status).toBe(201);
    const loginB = await call(http, stack, 'POST', '/api/login', {
      body: { mainToken: b.tokens.wearer },
    });
    expect(loginB.status).toBe(201);
    expect(loginB.json.lock.verificationPicture).toBe(false);
    const keyholder = await call(http, stack, 'POST', '/api/login', {
      body: { mainToken: a.tokens.keyholder },
    });
    expect(keyholder.status).toBe(201);
    const unknown = await call(http, stack, 'POST', '/api/login', {
      body: { mainToken: 'x'.repeat(24) },
    });
    expect(unknown.status).toBe(401);
    stack.emulator.setFaults({ errorRate: 1, errorStatus: 503, scope: 'api' });
    const unavailable = await call(http, stack, 'POST', '/api/login', {
      body: { mainToken: b.tokens.keyholder },
    });
    expect(unavailable.status).toBeGreaterThanOrEqual(500);
    stack.emulator.clearFaults();

    // A room for A and B, its public view, and a rejoin.
    const room = await call(http, stack, 'POST', '/api/rooms', {
      token: loginA.json.token,
      body: { game: 'penalty', numPlayers: 2, rules: { cooldownSeconds: 0 } },
    });
    expect(room.status).toBe(201);
    const matchID: string = room.json.matchID;
    const seatA = { playerID: room.json.playerID as string, credentials: room.json.credentials };
    const joined = await call(http, stack, 'POST', `/api/rooms/${matchID}/join`, {
      token: loginB.json.token,
    });
    expect(joined.status).toBe(200);
    const seatB = {
      playerID: joined.json.playerID as string,
      credentials: joined.json.credentials,
    };
    expect(
      (await call(http, stack, 'GET', `/api/rooms/${matchID}`, { token: loginA.json.token }))
        .status,
    ).toBe(200);
    const stopFeed = await openFeed(stack, matchID, loginA.json.token, sse);

    // Both players on raw sockets, and a socket that tries to watch without a seat (refused).
    const playerA = await capturedSocket(stack, framesA);
    const playerB = await capturedSocket(stack, framesB);
    const watcher = await capturedSocket(stack, refusedFrames);
    playerA.emit('sync', matchID, seatA.playerID, seatA.credentials, 2);
    playerB.emit('sync', matchID, seatB.playerID, seatB.credentials, 2);
    watcher.emit('sync', matchID, null, null, 2);
    for (const frames of [framesA, framesB]) {
      await until(() => frames.some((f) => f.startsWith('["sync"')), 'sockets synced');
    }

    const stateID = () => stack.server.store.fetch(matchID, { state: true }).state!._stateID;
    const lose = async (socket: Socket, seat: { playerID: string; credentials: string }) => {
      const before = stateID();
      socket.emit(
        'update',
        { type: 'MAKE_MOVE', payload: { type: 'lose', args: [], ...seat } },
        before,
        matchID,
        seat.playerID,
      );
      await until(() => stateID() > before, 'the lose to be stored');
    };

    // A delivered request, and a refusal carrying Chaster's own message.
    await lose(playerA, seatA);
    await lose(playerB, seatB);
    const first = await settled(stack, matchID, loginA.json.token, 2);
    expect(first.map((r) => r.status).sort()).toEqual(['delivered', 'failed']);
    const verifications = await call(http, stack, 'GET', `/api/rooms/${matchID}/verifications`, {
      token: loginB.json.token,
    });
    expect(JSON.stringify(verifications.json)).toContain(EXTENSION_MISSING);

    // A submits the picture (webhook), then a 503 phase with retries, then recovery.
    await stack.emulator.submit(a.sessionId);
    stack.emulator.setFaults({ errorRate: 1, errorStatus: 503, scope: 'verification' });
    await lose(playerA, seatA);
    await until(async () => {
      const res = await call(http, stack, 'GET', `/api/rooms/${matchID}/verifications`, {
        token: loginA.json.token,
      });
      return res.json.requests.some((r: any) => /Retrying/.test(r.message ?? ''));
    }, 'a retry to show in the feed');
    stack.emulator.clearFaults();
    const all = await settled(stack, matchID, loginA.json.token, 3);
    expect(all.filter((r) => r.status === 'delivered' || r.status === 'submitted')).toHaveLength(2);
    expect(stack.emulator.requests().map((r) => r.status)).toContain(503);
    await call(http, stack, 'GET', `/api/rooms/${matchID}/verifications`, {
      token: loginA.json.token,
    });
    await call(http, stack, 'GET', `/api/rooms/${matchID}`, { token: loginB.json.token });
    await until(() => (sse.text.match(/event: verification/g) ?? []).length >= 6, 'SSE events');
    await stopFeed();

    // The lobby: our room list and room view, also as the keyholder, who sits in no room; and
    // boardgame.io's Lobby routes, which are not served.
    for (const token of [loginA.json.token, keyholder.json.token]) {
      const list = await call(lobby, stack, 'GET', '/api/rooms', { token });
      expect(list.status).toBe(200);
      expect(list.json.rooms.map((r: { matchID: string }) => r.matchID)).toEqual([matchID]);
      expect((await call(lobby, stack, 'GET', `/api/rooms/${matchID}`, { token })).status).toBe(
        200,
      );
    }
    for (const path of ['/games', '/games/penalty', `/games/penalty/${matchID}`]) {
      const res = await call(lobby, stack, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.json.error, path).toBe('not_found');
    }

    const secrets: Record<string, string> = {
      'developer token': stack.emulator.token,
      'A sessionId': a.sessionId,
      'B sessionId': b.sessionId,
      'A wearer mainToken': a.tokens.wearer,
      'A keyholder mainToken': a.tokens.keyholder!,
      'B wearer mainToken': b.tokens.wearer,
      'B keyholder mainToken': b.tokens.keyholder!,
    };
    expect(secrets['developer token']).toBe('emulator-dev-token');
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(16);

    // The corpus is what it should be, so the search below means something.
    const httpText = http.join('\n');
    expect(httpText).toContain(matchID);
    expect(httpText).toContain('seat 0 lost');
    expect(httpText).toContain('seat 1 lost');
    expect(httpText).toContain(EXTENSION_MISSING);
    expect(httpText).toMatch(/Retrying after [^"]*503/);
    expect(httpText).toContain('"status":"submitted"');
    expect(sse.text).toContain('text/event-stream');
    expect(sse.text).toContain(EXTENSION_MISSING);
    expect(sse.text).toMatch(/Retrying after [^"]*503/);
    expect(lobby.join('\n')).toContain('"seats":[');
    for (const frames of [framesA, framesB]) {
      const text = frames.join('\n');
      expect(text).toContain(matchID);
      expect(text).toContain('"moves":3');
      expect(text).toContain('"lose"');
    }
    // The refused watcher got the socket's handshake frames and nothing of the match.
    expect(refusedFrames.length).toBeGreaterThan(0);
    expect(refusedFrames.join('\n')).not.toContain(matchID);
    expect(
      stack.logs.some(
        (line) => line.includes('socket packet refused') && line.includes(watcher.id!),
      ),
    ).toBe(true);
    const logText = stack.logs.join('\n');
    expect(logText).toContain('verification request refused by Chaster');
    expect(logText).toContain('verification request will be retried');
    expect(logText).toContain(matchID);

    expect([
      ...leaks('HTTP answers', http, secrets),
      ...leaks('the SSE feed', [sse.text], secrets),
      ...leaks('lobby answers', lobby, secrets),
      ...leaks('player A socket frames', framesA, secrets),
      ...leaks('player B socket frames', framesB, secrets),
      ...leaks('refused watcher socket frames', refusedFrames, secrets),
      ...leaks('log lines', stack.logs, secrets),
    ]).toEqual([]);
  });
});
