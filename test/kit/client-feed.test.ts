/**
 * The live verification feed of `bgio-chaster/client` (`verifications.subscribe`) and the
 * server's side of it (event ids, `Last-Event-ID`): against a real game server over loopback (the
 * snapshot, live changes, resuming after the stream drops, refusals, logout), and against tiny
 * local servers for what a real one never does (silence, garbage, a busy answer).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/client/index.js';
import type {
  ApiError,
  AuthedApiClient,
  FeedOptions,
  FeedState,
  VerificationStatus,
} from '../../src/client/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { twoWearerRoom } from '../helpers/rooms.js';
import { connect, requests, settled, startStack, until } from '../helpers/stack.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Everything a subscription was told. */
function follow(client: AuthedApiClient, matchID: string, options?: FeedOptions) {
  const statuses: VerificationStatus[] = [];
  const states: Array<{ state: FeedState; error?: ApiError }> = [];
  let loginEnded = 0;
  const stop = client.verifications.subscribe(
    matchID,
    {
      onStatus: (status) => statuses.push(status),
      onState: (state, error) => states.push(error ? { state, error } : { state }),
      onLoginEnded: () => loginEnded++,
    },
    options,
  );
  cleanups.push(stop);
  return {
    statuses,
    states,
    stop,
    loginEnded: () => loginEnded,
    /** Each request's last status seen. */
    latest: () => new Map(statuses.map((s) => [s.id, s.status])),
    /** The last state, once it is `state`. */
    reached: (state: FeedState) =>
      until(() => (states.at(-1)?.state === state ? states.at(-1) : undefined), state),
  };
}

/** A `fetch` that counts its calls. */
function countingFetch() {
  const calls: string[] = [];
  const counted: typeof fetch = (input, init) => {
    calls.push(String(input));
    return fetch(input, init);
  };
  return { calls, fetch: counted };
}

/** A local HTTP server; resolves to its URL, and its open sockets. */
async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

/** A proxy to `target` that records each request's headers and can drop or refuse connections. */
async function proxyTo(target: string) {
  const seen: IncomingHttpHeaders[] = [];
  let refusing = false;
  const { url, sockets } = await localServer((req, res) => {
    if (refusing) return req.socket.destroy();
    seen.push(req.headers);
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return {
    url,
    seen,
    /** Drops every open connection (the streams with them). */
    drop: () => sockets.forEach((socket) => socket.destroy()),
    refuse: (on: boolean) => void (refusing = on),
  };
}

/** A valid status as a server would send it. */
function status(id: string, updatedAt: number): VerificationStatus {
  return {
    id,
    playerID: '0',
    reason: 'lost',
    actor: 'extension',
    status: 'delivered',
    message: null,
    createdAt: new Date(updatedAt - 10).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
  };
}

/** Reads a raw SSE answer until `done(text)` holds; returns its status and the text so far. */
async function readFeed(
  url: string,
  token: string,
  headers: Record<string, string>,
  done: (text: string) => boolean,
) {
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...headers },
    signal: controller.signal,
  });
  if (!res.ok) return { status: res.status, text: await res.text() };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return { status: res.status, text };
}

describe('verifications.subscribe against a real server', () => {
  it('gets the snapshot, then every live change, until it is stopped', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat, seatB } = await twoWearerRoom(stack);
    const clientB = await connect(stack, PenaltyGame, matchID, seatB);
    clientB.moves.lose!();
    const [existing] = await settled(stack, matchID, seat.token, 1);

    const client = createApiClient({ baseUrl: stack.url }).withToken(seat.token);
    const feed = follow(client, matchID);
    await until(() => feed.statuses.length === 1, 'the snapshot');
    expect(feed.statuses).toEqual([existing]);
    expect(feed.states).toEqual([{ state: 'connecting' }, { state: 'open' }]);

    const clientA = await connect(stack, PenaltyGame, matchID, seat);
    clientA.moves.lose!();
    await until(
      () => feed.statuses.some((s) => s.playerID === '0' && s.status === 'delivered'),
      'the new request, delivered, on the feed',
    );
    const all = await requests(stack, matchID, seat.token);
    expect(feed.latest()).toEqual(new Map(all.map((s) => [s.id, s.status])));
    const fresh = feed.statuses.filter((s) => s.playerID === '0').map((s) => s.status);
    expect(['queued', 'sending', 'delivered'].slice(-fresh.length)).toEqual(fresh);

    feed.stop();
    await until(() => stack.server.feed.size === 0, 'the server to free the listener');
    const heard = feed.statuses.length;
    clientA.moves.lose!();
    await settled(stack, matchID, seat.token, 3);
    expect(feed.statuses).toHaveLength(heard);
    expect(feed.states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('resumes with Last-Event-ID after the stream drops, and misses no status', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat, seatB } = await twoWearerRoom(stack);
    const clientB = await connect(stack, PenaltyGame, matchID, seatB);
    clientB.moves.lose!();
    const [first] = await settled(stack, matchID, seat.token, 1);
    const proxy = await proxyTo(stack.url);

    const feed = follow(createApiClient({ baseUrl: proxy.url }).withToken(seat.token), matchID);
    await until(() => feed.statuses.length === 1, 'the snapshot');
    expect(proxy.seen[0]!['last-event-id']).toBeUndefined();

    // The stream drops, and a new request is made and delivered while the client is away.
    proxy.refuse(true);
    proxy.drop();
    const away = await feed.reached('reconnecting');
    expect(away.error).toMatchObject({ status: 0, code: 'network' });
    clientB.moves.lose!();
    const both = await settled(stack, matchID, seat.token, 2);
    proxy.refuse(false);

    await until(() => feed.latest().size === 2, 'the request made while away');
    expect(proxy.seen).toHaveLength(2);
    expect(proxy.seen[1]!['last-event-id']).toBe(String(Date.parse(first!.updatedAt)));
    expect(feed.latest()).toEqual(new Map(both.map((s) => [s.id, s.status])));
    expect(feed.states.at(-1)).toEqual({ state: 'open' });
  });

  it('stops for good on 401 and 403', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat } = await twoWearerRoom(stack);
    const outsider = stack.emulator.createLock();
    const api = createApiClient({ baseUrl: stack.url });
    const fast = { maxDelayMs: 20 };

    const counted = countingFetch();
    const forged = createApiClient({ baseUrl: stack.url, fetch: counted.fetch });
    const refused = follow(forged.withToken('forged.token'), matchID, fast);
    const closed = await refused.reached('closed');
    expect(closed.error).toMatchObject({ status: 401, code: 'unauthorized', loginExpired: true });

    const stranger = api.withToken((await api.login(outsider.tokens.wearer)).token);
    const notSeated = follow(stranger, matchID, fast);
    expect((await notSeated.reached('closed')).error).toMatchObject({
      status: 403,
      code: 'not_seated',
      message: 'Only players seated in this room can see its verification requests.',
    });
    const badRoom = follow(api.withToken(seat.token), '../login', fast);
    expect((await badRoom.reached('closed')).error).toMatchObject({ code: 'invalid_request' });

    // Longer than many reconnects would take: none is made.
    await new Promise((r) => setTimeout(r, 200));
    expect(counted.calls).toHaveLength(1);
    expect(refused.states.map((s) => s.state)).toEqual(['connecting', 'closed']);
    expect(notSeated.states.map((s) => s.state)).toEqual(['connecting', 'closed']);
  });

  it('calls onLoginEnded after logout, and closes', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat } = await twoWearerRoom(stack);
    const counted = countingFetch();
    const client = createApiClient({ baseUrl: stack.url, fetch: counted.fetch }).withToken(
      seat.token,
    );
    const feed = follow(client, matchID, { maxDelayMs: 20 });
    await feed.reached('open');

    await client.logout();
    const closed = await feed.reached('closed');
    expect(feed.loginEnded()).toBe(1);
    expect(closed.error).toMatchObject({ status: 401, code: 'login_ended', loginExpired: true });
    await new Promise((r) => setTimeout(r, 200));
    // One stream and one logout: no reconnect.
    expect(counted.calls.filter((u) => u.endsWith('/verifications'))).toHaveLength(1);
    expect(stack.server.feed.size).toBe(0);
  });
});

describe('the feed on the server: event ids and Last-Event-ID', () => {
  it('ids each verification event with its updatedAt; Last-Event-ID leaves out what is older', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat, seatB } = await twoWearerRoom(stack);
    const clientB = await connect(stack, PenaltyGame, matchID, seatB);
    clientB.moves.lose!();
    const [old] = await settled(stack, matchID, seat.token, 1);
    const url = `${stack.url}/api/rooms/${matchID}/verifications`;

    const full = await readFeed(url, seat.token, {}, (t) => t.includes('\n\nid:'));
    const block = full.text.split('\n\n')[1]!;
    expect(full.text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(block).toBe(
      `id: ${Date.parse(old!.updatedAt)}\nevent: verification\ndata: ${JSON.stringify(old)}`,
    );
    const fromZero = await readFeed(url, seat.token, { 'last-event-id': '0' }, (t) =>
      t.includes(old!.id),
    );
    expect(fromZero.status).toBe(200);

    // From a point after every existing change, the first event is the next change.
    const later = String(Date.now() + 60_000);
    const resumed = readFeed(url, seat.token, { 'last-event-id': later }, (t) =>
      t.includes('event: verification'),
    );
    await until(() => stack.server.feed.size === 1, 'the resumed stream to listen');
    clientB.moves.lose!();
    const text = (await resumed).text;
    expect(text).toContain('"reason":"seat 1 lost"');
    expect(text).not.toContain(old!.id);

    for (const bad of ['abc', '-1', '1.5', '1e3', '12 34', '1234567890123456']) {
      const refused = await readFeed(url, seat.token, { 'last-event-id': bad }, () => true);
      expect(refused.status, bad).toBe(400);
      expect(JSON.parse(refused.text)).toEqual({
        error: 'invalid_request',
        message: expect.stringMatching(/^Invalid Last-Event-ID: /),
      });
    }
  });
});

describe('verifications.subscribe against servers that misbehave', () => {
  it('reconnects when the stream goes silent or the server is busy, after retry:, resuming', async () => {
    const seen: Array<string | undefined> = [];
    const answers = [
      (res: ServerResponse) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .write(
            `retry: 30\n\nid: 5\nevent: verification\ndata: ${JSON.stringify(status('a', 5))}\n\n`,
          ),
      (res: ServerResponse) =>
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":"busy","message":"Busy now."}'),
      (res: ServerResponse) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' })
          .end(
            `id: 6\nevent: verification\ndata: ${JSON.stringify(status('b', 6))}\n\n` +
              'event: future\ndata: whatever\n\n' +
              ': a comment\n\nevent: verification\ndata: {"id":"c"}\n\n',
          ),
    ];
    const { url } = await localServer((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      answers.shift()!(res);
    });
    const feed = follow(createApiClient({ baseUrl: url }).withToken('t'), 'room1', {
      idleTimeoutMs: 300,
    });
    const closed = await feed.reached('closed');
    expect(closed.error).toMatchObject({ status: 200, code: 'bad_answer' });
    expect(feed.statuses.map((s) => s.id)).toEqual(['a', 'b']);
    expect(seen).toEqual([undefined, '5', '5']);
    expect(feed.states.map((s) => [s.state, s.error?.code, s.error?.message])).toEqual([
      ['connecting', undefined, undefined],
      ['open', undefined, undefined],
      ['reconnecting', 'network', 'The live feed went silent; reconnecting.'],
      ['reconnecting', 'busy', 'Busy now.'],
      ['open', undefined, undefined],
      ['closed', 'bad_answer', expect.any(String)],
    ]);
  });

  it('closes on an answer that is not an event stream, or an event that is not JSON', async () => {
    const answers = [
      (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi'),
      (res: ServerResponse) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .end('event: verification\ndata: {not json\n\n'),
    ];
    const { url } = await localServer((_req, res) => answers.shift()!(res));
    const client = createApiClient({ baseUrl: url }).withToken('t');
    const html = follow(client, 'room1');
    expect((await html.reached('closed')).error).toMatchObject({ code: 'bad_answer' });
    const garbled = follow(client, 'room1');
    expect((await garbled.reached('closed')).error).toMatchObject({ code: 'bad_answer' });
    expect(garbled.statuses).toEqual([]);
  });

  it('a handler that throws does not stop the feed', async () => {
    const { url } = await localServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .write(
          `event: verification\ndata: ${JSON.stringify(status('a', 1))}\n\n` +
            `event: verification\ndata: ${JSON.stringify(status('b', 2))}\n\n`,
        ),
    );
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onUncaught);
    cleanups.push(() => void process.off('uncaughtException', onUncaught));
    const ids: string[] = [];
    const stop = createApiClient({ baseUrl: url })
      .withToken('t')
      .verifications.subscribe('room1', {
        onStatus: (s) => {
          ids.push(s.id);
          if (s.id === 'a') throw new Error('a bug in the page');
        },
      });
    cleanups.push(stop);
    await until(() => ids.length === 2, 'both events');
    await until(() => thrown.length === 1, 'the error rethrown');
    expect(thrown[0]).toMatchObject({ message: 'a bug in the page' });
  });
});
