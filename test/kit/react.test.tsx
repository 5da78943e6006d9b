/**
 * `bgio-chaster/react` without a browser: the pure components rendered to HTML (statuses in
 * words, Chaster's own failure text, the accessibility attributes, the themable CSS variables),
 * the provider's fallbacks, and the login's life (sign in, renew once, then "open the game again
 * from Chaster") driven through a fake `fetch` with the real client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiClient, parseChasterHash } from '../../src/client/index.js';
import type { LoginAnswer, Seat, VerificationStatus } from '../../src/client/index.js';
import {
  ChasterLoginProvider,
  MatchHistory,
  LOGIN_EXPIRED_MESSAGE,
  RoomStatus,
  STATUS_HINTS,
  STATUS_TONES,
  STATUS_WORDS,
  SeatList,
  VerificationTimeline,
  MAX_STATUSES,
  createLoginStore,
  mergeStatuses,
  newestFirst,
  roomPhase,
  useLogin,
} from '../../src/react/index.js';
import type { LoginState } from '../../src/react/index.js';
import { batched } from '../../src/react/verifications.js';
import { OUTBOX_STATUSES } from '../../src/server/outbox/types.js';

const root = join(import.meta.dirname, '../..');

function status(over: Partial<VerificationStatus> & Pick<VerificationStatus, 'id'>) {
  return {
    playerID: '0',
    reason: 'lost-round-1',
    actor: 'extension',
    status: 'delivered',
    message: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:05.000Z',
    ...over,
  } satisfies VerificationStatus;
}

const SEATS: Seat[] = [
  { playerID: '0', role: 'wearer', name: 'alice', taken: true },
  { playerID: '1', role: 'wearer', name: null, taken: false },
  { playerID: '2', role: 'keyholder', name: 'kim', taken: true },
];

describe('status words', () => {
  it('every outbox status has a badge, a hint and a tone', () => {
    expect(Object.keys(STATUS_WORDS).sort()).toEqual([...OUTBOX_STATUSES].sort());
    expect(Object.keys(STATUS_HINTS).sort()).toEqual([...OUTBOX_STATUSES].sort());
    expect(Object.keys(STATUS_TONES).sort()).toEqual([...OUTBOX_STATUSES].sort());
  });
});

describe('VerificationTimeline', () => {
  const statuses = [
    status({ id: 'm:1:0', status: 'submitted', createdAt: '2025-01-01T10:00:00.000Z' }),
    status({
      id: 'm:3:0',
      playerID: '2',
      status: 'failed',
      actor: 'wearer',
      reason: 'volunteered',
      message: 'Verification picture extension not found on this lock',
      createdAt: '2025-01-01T10:02:00.000Z',
    }),
    status({
      id: 'm:2:0',
      playerID: '5',
      status: 'already_pending',
      actor: 'keyholder',
      createdAt: '2025-01-01T10:01:00.000Z',
    }),
  ];

  it('shows each request newest first, its status in words with a mark, and Chaster’s own failure text', () => {
    const html = renderToStaticMarkup(<VerificationTimeline statuses={statuses} seats={SEATS} />);
    const items = [...html.matchAll(/<li [^>]*data-testid="timeline-item"[^>]*>(.*?)<\/li>/g)];
    expect(items.map((m) => /data-status="([^"]+)"/.exec(m[0])![1])).toEqual([
      'failed',
      'already_pending',
      'submitted',
    ]);
    const [failed, pending, submitted] = items.map((m) => text(m[1]!));
    expect(failed).toContain('kim');
    expect(failed).toContain('failed');
    expect(failed).toContain('asked by the wearer');
    expect(failed).toContain('Verification picture extension not found on this lock');
    // A seat the room does not list is named as the games name it.
    expect(pending).toContain('Player 6');
    expect(pending).toContain('already pending');
    expect(pending).toContain('asked by the keyholder');
    expect(submitted).toContain('alice');
    expect(submitted).toContain('picture submitted');
    expect(submitted).toContain('lost round 1');
    // Colour is never the only cue: a mark (hidden from screen readers) besides the words.
    expect(items[0]![0]).toContain('data-tone="danger"');
    expect(items[0]![1]).toMatch(/<span aria-hidden="true">✕ <\/span>failed/);
    expect(items[0]![1]).toContain(`title="${STATUS_HINTS.failed}"`);
  });

  it('is an accessible region: labelled by its heading, a polite live list, time elements', () => {
    const html = renderToStaticMarkup(
      <VerificationTimeline statuses={statuses} seats={SEATS} headingLevel={3} />,
    );
    const labelledBy = /<section [^>]*aria-labelledby="([^"]+)"/.exec(html)![1];
    expect(html).toContain(`<h3 id="${labelledBy}">Verification requests</h3>`);
    expect(html).toMatch(/<ol [^>]*data-testid="timeline"[^>]*aria-live="polite"/);
    expect(html).toContain('<time dateTime="2025-01-01T10:00:05.000Z">');
    expect(html.match(/<time /g)).toHaveLength(3);
  });

  it('says how the feed is connected, and offers to reconnect a closed feed', () => {
    const live = renderToStaticMarkup(<VerificationTimeline statuses={[]} state="open" />);
    expect(live).toMatch(/data-testid="timeline-connection">live</);
    expect(live).toContain('No requests yet.');
    expect(live).not.toContain('role="alert"');

    const error = new Error('Your login has ended: open the game again from Chaster.');
    const closed = renderToStaticMarkup(
      <VerificationTimeline statuses={[]} state="closed" error={error} onReconnect={() => {}} />,
    );
    expect(closed).toMatch(/data-testid="timeline-connection">stopped</);
    expect(closed).toMatch(/role="alert"[^>]*><p>Your login has ended/);
    expect(closed).toContain('>Reconnect</button>');

    const reconnecting = renderToStaticMarkup(
      <VerificationTimeline statuses={[]} state="reconnecting" error={error} />,
    );
    expect(reconnecting).toMatch(/role="status">Your login has ended/);
    expect(reconnecting).not.toContain('<button');
  });

  it('puts what it is given between the heading and the list', () => {
    const html = renderToStaticMarkup(
      <VerificationTimeline statuses={[]}>
        <button type="button">Act</button>
      </VerificationTimeline>,
    );
    expect(html.indexOf('Act')).toBeGreaterThan(html.indexOf('</h2>'));
    expect(html.indexOf('Act')).toBeLessThan(html.indexOf('<ol'));
  });

  it('is themed by the CSS variables its JSDoc and the stylesheet document', () => {
    const css = readFileSync(join(root, 'src/react/styles.css'), 'utf8');
    const source = readFileSync(join(root, 'src/react/timeline.tsx'), 'utf8');
    const used = new Set([...css.matchAll(/var\((--bgc-[a-z]+)/g)].map((m) => m[1]!));
    used.delete('--bgc-tone'); // internal: each item's tone
    expect([...used].sort()).toEqual([
      '--bgc-accent',
      '--bgc-border',
      '--bgc-danger',
      '--bgc-info',
      '--bgc-muted',
      '--bgc-radius',
      '--bgc-success',
      '--bgc-surface',
      '--bgc-text',
      '--bgc-warning',
    ]);
    const header = css.slice(0, css.indexOf('*/'));
    for (const variable of used) {
      expect(header, `styles.css documents ${variable}`).toContain(variable);
      expect(source, `VerificationTimeline's JSDoc documents ${variable}`).toContain(variable);
    }
    // Every tone the components write has a colour, and the stylesheet styles nothing else
    // than what they render.
    for (const tone of new Set(Object.values(STATUS_TONES))) {
      expect(css).toContain(tone === 'info' ? '--bgc-info' : `[data-tone='${tone}']`);
    }
    const html = renderToStaticMarkup(
      <>
        <VerificationTimeline statuses={statuses} state="open" />
        <VerificationTimeline statuses={[]} state="closed" error={new Error('x')} />
        <SeatList seats={SEATS} />
        <RoomStatus room={{ seats: SEATS, gameover: null }} />
        <MatchHistory
          lockTitle="x"
          matches={[
            {
              matchID: 'm1',
              game: 'dice-duel',
              playerID: '0',
              result: 'lost',
              startedAt: new Date(0).toISOString(),
              updatedAt: new Date(0).toISOString(),
              requests: statuses,
            },
          ]}
          actions={() => 'act'}
        />
        <MatchHistory matches={[]} />
        <ChasterLoginProvider client={createApiClient({ baseUrl: 'http://x.test' })} hash="">
          {null}
        </ChasterLoginProvider>
      </>,
    );
    const rendered = new Set([...html.matchAll(/class="([a-z-]+)"/g)].map((m) => m[1]!));
    for (const [, name] of css.matchAll(/\.(bgc-[a-z-]+)/g)) {
      expect(rendered, `.${name} is rendered`).toContain(name);
    }
  });
});

describe('mergeStatuses, newestFirst and batched', () => {
  it('keeps one status per request id; the last to arrive is the current one', () => {
    const first = mergeStatuses(new Map(), [status({ id: 'a', status: 'queued' })]);
    const delivered = status({ id: 'a', updatedAt: '2025-01-01T10:00:09.000Z' });
    const second = mergeStatuses(first, [delivered]);
    expect([...second.values()]).toEqual([delivered]);
    expect(first.get('a')?.status).toBe('queued');
    const other = mergeStatuses(second, [status({ id: 'b' })]);
    expect([...other.keys()]).toEqual(['a', 'b']);
    expect(mergeStatuses(other, [])).toBe(other);
    // A copy with a far-future updatedAt does not pin its request: what comes after it wins, as
    // does a change written by an instance whose clock is behind.
    const pinned = mergeStatuses(other, [
      status({ id: 'a', updatedAt: '9999-12-31T00:00:00.000Z' }),
    ]);
    const behind = status({ id: 'a', status: 'submitted', updatedAt: '2025-01-01T10:00:01.000Z' });
    expect(mergeStatuses(pinned, [behind]).get('a')).toEqual(behind);
    // In one batch too, the later copy wins.
    const batch = mergeStatuses(new Map(), [delivered, status({ id: 'a', status: 'failed' })]);
    expect([...batch.values()].map((s) => s.status)).toEqual(['failed']);
  });

  it(`keeps at most ${MAX_STATUSES} requests, the newest, however many ids a server sends`, () => {
    const at = (n: number) =>
      status({ id: `r${n}`, createdAt: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString() });
    /** Whether `byId` holds exactly the newest of the first `sent` requests. */
    const newest = (byId: ReadonlyMap<string, VerificationStatus>, sent: number) =>
      [...byId.keys()].every((id) => Number(id.slice(1)) >= sent - byId.size);
    let byId: ReadonlyMap<string, VerificationStatus> = new Map();
    const started = performance.now();
    // One event per batch, the worst case: each batch copies what is kept, not all ever sent.
    for (let n = 0; n < 20_000; n++) {
      byId = mergeStatuses(byId, [at(n)]);
      expect(byId.size).toBeLessThanOrEqual(MAX_STATUSES);
    }
    const oneByOne = performance.now() - started;
    expect(byId.size).toBeGreaterThanOrEqual(MAX_STATUSES * 0.9);
    expect(newest(byId, 20_000)).toBe(true);
    // An old request arriving now is the one left out, not a newer one.
    expect(mergeStatuses(byId, [at(-1)]).has('r-1')).toBe(byId.size < MAX_STATUSES);
    const big = mergeStatuses(
      new Map(),
      Array.from({ length: 50_000 }, (_, n) => at(n)),
    );
    expect(big.size).toBeLessThanOrEqual(MAX_STATUSES);
    expect(newest(big, 50_000)).toBe(true);
    // Unbounded, 20,000 copies of a growing map took tens of seconds.
    expect(oneByOne).toBeLessThan(5_000);
  });

  it('orders by creation, newest first, then by id', () => {
    const at = (id: string, createdAt: string) => status({ id, createdAt });
    expect(
      newestFirst([
        at('m:1:0', '2025-01-01T10:00:00.000Z'),
        at('m:2:1', '2025-01-01T10:00:01.000Z'),
        at('m:2:0', '2025-01-01T10:00:01.000Z'),
      ]).map((s) => s.id),
    ).toEqual(['m:2:1', 'm:2:0', 'm:1:0']);
  });

  it('batched hands over what arrives in one task as one batch, and nothing once cancelled', async () => {
    const flushed: number[][] = [];
    const batch = batched<number>((items) => flushed.push(items));
    for (let n = 0; n < 5000; n++) batch.push(n);
    expect(flushed).toEqual([]);
    await Promise.resolve();
    expect(flushed.map((items) => items.length)).toEqual([5000]);
    batch.push(1);
    batch.push(2);
    batch.cancel();
    batch.push(3);
    await Promise.resolve();
    expect(flushed).toHaveLength(1);
  });
});

describe('SeatList and RoomStatus', () => {
  it('lists each seat with its role and name in words, free seats, and the viewer', () => {
    const html = renderToStaticMarkup(<SeatList seats={SEATS} me="0" />);
    expect(html).toMatch(/<ul class="bgc-seats" aria-label="Seats">/);
    const seats = [...html.matchAll(/<li [^>]*>(.*?)<\/li>/g)].map((m) => [m[0], text(m[1]!)]);
    expect(seats.map(([, words]) => words)).toEqual([
      'Wearer alice (you)',
      'Wearer free',
      'Keyholder kim',
    ]);
    expect(seats[1]![0]).toContain('data-taken="false"');
    expect(seats[2]![0]).toContain('data-role="keyholder"');
  });

  it('says whether the room waits for wearers, is in play or is over', () => {
    const waiting = { seats: SEATS, gameover: null };
    expect(roomPhase(waiting)).toEqual({ phase: 'waiting', missing: 1 });
    expect(renderToStaticMarkup(<RoomStatus room={waiting} />)).toBe(
      '<p class="bgc-room-status" role="status" data-phase="waiting">Waiting for 1 more wearer…</p>',
    );
    const two = { seats: [...SEATS, { ...SEATS[1]!, playerID: '3' }], gameover: null };
    expect(renderToStaticMarkup(<RoomStatus room={two} />)).toContain('2 more wearers');
    // A free keyholder seat does not hold the game back.
    const playing = {
      seats: SEATS.map((s) =>
        s.role === 'wearer' ? { ...s, taken: true } : { ...s, taken: false },
      ),
      gameover: null,
    };
    expect(roomPhase(playing)).toEqual({ phase: 'playing' });
    expect(renderToStaticMarkup(<RoomStatus room={playing} />)).toContain('>In play<');
    expect(roomPhase({ seats: SEATS, gameover: { winners: [] } })).toEqual({ phase: 'over' });
  });
});

describe('ChasterLoginProvider', () => {
  const client = createApiClient({ baseUrl: 'http://game.test', fetch: () => never() });

  it('without a Chaster hash renders why, never its children', () => {
    const html = renderToStaticMarkup(
      <ChasterLoginProvider client={client} hash="">
        <p>secret board</p>
      </ChasterLoginProvider>,
    );
    expect(html).not.toContain('secret board');
    expect(html).toContain('data-status="no_token"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('This page was opened without a Chaster session.');
  });

  it('renders its fallback while signing in, and the fallback reads the login', () => {
    const hash = '#' + encodeURIComponent(JSON.stringify({ mainToken: 'mt' }));
    const html = renderToStaticMarkup(
      <ChasterLoginProvider client={client} hash={hash} fallback={<Status />}>
        <p>secret board</p>
      </ChasterLoginProvider>,
    );
    expect(html).toBe('<p>signing_in</p>');
    expect(
      renderToStaticMarkup(
        <ChasterLoginProvider client={client} hash={hash}>
          <p>secret board</p>
        </ChasterLoginProvider>,
      ),
    ).toContain('Signing you in with Chaster…');
  });

  it('useLogin outside the provider says where it belongs', () => {
    expect(() => renderToStaticMarkup(<Status />)).toThrow(/below <ChasterLoginProvider>/);
  });

  function Status() {
    return <p>{useLogin().status}</p>;
  }
});

describe('the login store', () => {
  afterEach(() => vi.useRealTimers());
  const hash = parseChasterHash('#' + encodeURIComponent(JSON.stringify({ mainToken: 'mt-1' })));

  /** A fake server: answers each POST /api/login with the next of `answers`, and counts them. */
  function server(...answers: Array<(n: number) => Response>) {
    const logins: string[] = [];
    const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      expect(String(url)).toBe('http://game.test/api/login');
      logins.push((JSON.parse(String(init?.body)) as { mainToken: string }).mainToken);
      const answer = answers[logins.length - 1];
      if (!answer) throw new Error('no more logins expected');
      return answer(logins.length);
    });
    const client = createApiClient({
      baseUrl: 'http://game.test',
      fetch: fetch as typeof globalThis.fetch,
    });
    return { client, logins };
  }
  const ok =
    (expiresInMs = 12 * 3600_000) =>
    (n: number) =>
      json(201, {
        token: `token-${n}`,
        expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
        role: 'wearer',
        user: { id: 'u1', username: 'alice' },
        lock: {
          id: 'l1',
          title: 'Weekend lock',
          status: 'locked',
          wearer: 'alice',
          keyholder: 'kim',
          verificationPicture: true,
        },
      } satisfies LoginAnswer);
  const refused = (status: number, error: string, message: string) => () =>
    json(status, { error, message });
  const expiredError = async () =>
    createApiClient({
      baseUrl: 'http://game.test',
      fetch: async () =>
        json(401, { error: 'token_expired', message: 'Your login has expired: go back.' }),
    })
      .withToken('x')
      .rooms.list()
      .catch((e: unknown) => e);

  /** Waits until the store's state passes `check`. */
  async function until(store: { getState(): LoginState }, check: (s: LoginState) => boolean) {
    await vi.waitFor(() => expect(check(store.getState())).toBe(true));
    return store.getState();
  }

  it('without a hash does nothing but say why', () => {
    const { client, logins } = server();
    const store = createLoginStore({ client, hash: parseChasterHash('#') });
    store.start();
    expect(store.getState()).toEqual({
      status: 'no_token',
      message: 'This page was opened without a Chaster session.',
    });
    expect(logins).toEqual([]);
  });

  it('signs in with the mainToken and gives the API bound to the login', async () => {
    const { client, logins } = server(ok());
    const store = createLoginStore({ client, hash });
    const seen: string[] = [];
    store.subscribe(() => seen.push(store.getState().status));
    expect(store.getState()).toEqual({ status: 'signing_in' });
    store.start();
    const state = await until(store, (s) => s.status === 'ready');
    expect(state.status === 'ready' && state.login.token).toBe('token-1');
    expect(state.status === 'ready' && typeof state.api.rooms.list).toBe('function');
    expect(logins).toEqual(['mt-1']);
    expect(seen).toEqual(['ready']);
  });

  it('a refused mainToken means opening the game again from Chaster; other failures may be retried', async () => {
    const stale = server(
      refused(
        401,
        'invalid_main_token',
        'This Chaster link has expired or is not valid: open the game again from Chaster.',
      ),
    );
    const store = createLoginStore({ client: stale.client, hash });
    store.start();
    expect(await until(store, (s) => s.status !== 'signing_in')).toEqual({
      status: 'expired',
      message: 'This Chaster link has expired or is not valid: open the game again from Chaster.',
    });

    const busy = server(refused(503, 'unavailable', 'Chaster is not answering; try again.'), ok());
    const retried = createLoginStore({ client: busy.client, hash });
    retried.start();
    expect(await until(retried, (s) => s.status !== 'signing_in')).toMatchObject({
      status: 'error',
      message: 'Chaster is not answering; try again.',
    });
    retried.retry();
    expect(retried.getState().status).toBe('signing_in');
    expect((await until(retried, (s) => s.status === 'ready')).status).toBe('ready');
    expect(busy.logins).toEqual(['mt-1', 'mt-1']);
  });

  it('a call that says the login expired renews it once with the same mainToken, then says to open the game again', async () => {
    const { client, logins } = server(ok(), ok());
    const store = createLoginStore({ client, hash });
    store.start();
    const first = await until(store, (s) => s.status === 'ready');
    if (first.status !== 'ready') throw new Error('not ready');

    // Errors that a new login cannot fix are left to the caller.
    store.report(new Error('offline'), first.api);
    store.report(
      await createApiClient({
        baseUrl: 'http://game.test',
        fetch: async () => json(404, { error: 'room_not_found', message: 'No such room.' }),
      })
        .withToken('x')
        .rooms.get('abc')
        .catch((e: unknown) => e),
      first.api,
    );
    expect(logins).toHaveLength(1);

    store.report(await expiredError(), first.api);
    // The page stays as it is while the new login is made.
    expect(store.getState()).toBe(first);
    const second = await until(store, (s) => s.status === 'ready' && s !== first);
    if (second.status !== 'ready') throw new Error('not ready');
    expect(second.login.token).toBe('token-2');
    expect(second.api).not.toBe(first.api);
    expect(logins).toEqual(['mt-1', 'mt-1']);

    // A late failure of the replaced login changes nothing.
    store.report(await expiredError(), first.api);
    expect(store.getState()).toBe(second);

    store.report(await expiredError(), second.api);
    expect(store.getState()).toEqual({
      status: 'expired',
      message: 'Your login has expired: go back.',
    });
    expect(logins).toHaveLength(2);
  });

  it('renews before the login’s expiresAt, once; the next expiry says to open the game again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { client, logins } = server(ok(60_000), ok(60_000));
    const store = createLoginStore({ client, hash, renewBeforeMs: 10_000 });
    store.start();
    await vi.waitFor(() => expect(store.getState().status).toBe('ready'));
    await vi.advanceTimersByTimeAsync(49_000);
    expect(logins).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(logins).toHaveLength(2));
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ login: { token: 'token-2' } }));
    await vi.advanceTimersByTimeAsync(50_000);
    expect(store.getState()).toEqual({ status: 'expired', message: LOGIN_EXPIRED_MESSAGE });
    expect(logins).toHaveLength(2);
  });

  it('stopped while signing in, it drops that answer and signs in again when started again', async () => {
    // React's StrictMode starts, stops and starts again every effect of a new component.
    const { client, logins } = server(ok(), ok());
    const store = createLoginStore({ client, hash });
    const stop = store.start();
    stop();
    store.start();
    const state = await until(store, (s) => s.status === 'ready');
    expect(state.status === 'ready' && state.login.token).toBe('token-2');
    expect(logins).toEqual(['mt-1', 'mt-1']);
    // Stopped for good, nothing moves any more.
    store.start()();
    store.retry();
    expect(logins).toHaveLength(2);
  });
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function never(): Promise<Response> {
  return new Promise(() => {});
}

/** An element's text: tags dropped, entities decoded, spaces collapsed. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
