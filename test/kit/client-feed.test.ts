/**
 * The live verification feed of `bgio-chaster/client` (`verifications.subscribe`) and the
 * server's side of it (event ids, `Last-Event-ID`): against a real game server over loopback (the
 * snapshot, live changes, resuming after the stream drops, refusals, logout), and against tiny
 * local servers for what a real one never does (silence, garbage, a busy answer).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('verifications.subscribe against a hostile server: the backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /**
   * A fake `fetch` on fake timers: each call takes the next of `answers` (an SSE text, and how
   * long the stream stays open before it is cut; the last answer repeats). Calls are recorded
   * with their time; headers are checked as fetch checks them (a value outside Latin-1 throws).
   */
  function hostile(...answers: Array<{ text: string; openMs?: number; status?: number }>) {
    const calls: Array<{ at: number; lastEventId: string | null }> = [];
    const fake: typeof fetch = async (_url, init) => {
      const headers = new Headers(init?.headers);
      calls.push({ at: Date.now(), lastEventId: headers.get('last-event-id') });
      const {
        text,
        openMs = 0,
        status = 200,
      } = answers[Math.min(calls.length, answers.length) - 1]!;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          if (openMs === 0) controller.close();
          else setTimeout(() => controller.close(), openMs);
        },
      });
      const type = status === 200 ? 'text/event-stream' : 'application/json';
      return new Response(body, { status, headers: { 'content-type': type } });
    };
    return { calls, gaps: () => calls.slice(1).map((c, i) => c.at - calls[i]!.at), fetch: fake };
  }
  const event = (id: string, n: number) =>
    `id: ${id}\nevent: verification\ndata: ${JSON.stringify(status(`r${n}`, n))}\n\n`;

  /** Follows room1 through `fake` for `ms` of fake time, with Math.random() always `random`. */
  async function run(fake: typeof fetch, ms: number, random = 0.5, options?: FeedOptions) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(random);
    const feed = follow(
      createApiClient({ baseUrl: 'http://feed.test', fetch: fake }).withToken('t'),
      'room1',
      options,
    );
    await vi.advanceTimersByTimeAsync(ms);
    return feed;
  }

  it('retry: 0 does not lower the floor; the waits grow while every stream is cut', async () => {
    // Each stream asks for no wait at all, gives one event, and is cut at once.
    const server = hostile({ text: `retry: 0\n\n${event('5', 5)}` });
    const feed = await run(server.fetch, 60_000);
    // Full jitter (here its middle) between the 1 s floor and 1 s · 2^(failures - 1), at most 30 s.
    expect(server.gaps()).toEqual([1000, 1500, 2500, 4500, 8500, 15_500, 15_500]);
    expect(feed.statuses.length).toBe(8);

    // Whatever the jitter draws, no wait is under the floor.
    const unlucky = hostile({ text: `retry: 0\n\n${event('5', 5)}` });
    await run(unlucky.fetch, 10_000, 0);
    expect(unlucky.gaps()).toEqual(Array(10).fill(1000));
  });

  it("the server's retry: raises the floor, up to maxDelayMs", async () => {
    const slower = hostile({ text: `retry: 4000\n\n${event('5', 5)}` });
    await run(slower.fetch, 30_000);
    expect(slower.gaps()).toEqual([4000, 6000, 10_000]);

    const huge = hostile({ text: `retry: 99999999\n\n${event('5', 5)}` });
    await run(huge.fetch, 31_000, 0.5, { maxDelayMs: 10_000 });
    expect(huge.gaps()).toEqual([10_000, 10_000, 10_000]);
  });

  it('the backoff starts over only after a connection stayed open 30 s, not on its first event', async () => {
    const text = event('5', 5);
    const server = hostile(
      { text },
      { text },
      { text },
      { text, openMs: 31_000 },
      { text },
      { text, openMs: 29_000 },
      { text },
    );
    await run(server.fetch, 80_000);
    // Cut at once three times (1000, 1500, 2500); open 31 s, then the floor again (1000 after
    // 31 s); then 1500, and open only 29 s: the backoff goes on growing (2500 after 29 s).
    expect(server.gaps()).toEqual([1000, 1500, 2500, 32_000, 1500, 31_500, 4500]);
  });

  it('sends back only ids made of 1 to 15 digits, so a strange id cannot break the feed', async () => {
    const server = hostile(
      {
        text:
          event('7', 7) +
          event('abc', 8) +
          event('1234567890123456', 9) +
          event('-1', 10) +
          event('١٢', 11),
      },
      { text: event('42', 12), openMs: 60_000 },
    );
    const feed = await run(server.fetch, 5000);
    expect(feed.statuses.map((s) => s.id)).toEqual(['r7', 'r8', 'r9', 'r10', 'r11', 'r12']);
    expect(server.calls.map((c) => c.lastEventId)).toEqual([null, '7']);
    expect(feed.states.map((s) => s.state)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it("reads at most 1 MiB of an error answer's body", async () => {
    const server = hostile(
      {
        text: `{"error":"busy","message":"${'x'.repeat(2 * 1024 * 1024)}"}`,
        status: 503,
        openMs: 60_000,
      },
      { text: event('5', 5), openMs: 60_000 },
    );
    const feed = await run(server.fetch, 3000, 0.5, { idleTimeoutMs: 60_000 });
    // Not the 2 MiB message: the capped body is no server error, and it did not wait for its end.
    expect(feed.states.map((s) => [s.state, s.error?.code])).toEqual([
      ['connecting', undefined],
      ['reconnecting', 'bad_answer'],
      ['open', undefined],
    ]);
    expect(server.gaps()).toEqual([1000]);
  });
});
