/**
 * The keyholder's view of their wearer's matches, in the kit:
 * - `MatchHistory` rendered to HTML: each match's game, dates (`<time>`), the wearer's result in
 *   words, and every request with its reason, who asked, its status in the timeline's words and
 *   styling, and Chaster's message; accessible markup; styled only by documented variables;
 * - `useHistory`'s loader: the history, or the error handed to the login (an expired login is
 *   renewed) and rethrown;
 * - the client's `history()`: parsing and errors against a small local server that answers
 *   contract-shaped JSON (not the real route), then against the real server: a keyholder and the
 *   wearer see the wearer's matches and requests, another lock's login sees none of them;
 * - `useHistory` and `MatchHistory` in Chromium, on a page signed in from a real mainToken
 *   against the real server: the keyholder's page shows the wearer's match, and a new match
 *   appears by polling.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { renderToStaticMarkup } from 'react-dom/server';
import { build } from 'vite';
import type { Rolldown } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError, MAX_HISTORY_MATCHES, createApiClient } from '../../src/client/index.js';
import type { HistoryAnswer, HistoryMatch, VerificationStatus } from '../../src/client/index.js';
import {
  MatchHistory,
  RESULT_HINTS,
  RESULT_TONES,
  RESULT_WORDS,
  STATUS_HINTS,
  STATUS_WORDS,
  useHistory,
} from '../../src/react/index.js';
import { historyLoader } from '../../src/react/history.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { until } from '../helpers/stack.js';
import { needServices } from '../helpers/services-suite.js';
import { flood, startTarget } from '../helpers/targets.js';
import type { TargetKind } from '../helpers/targets.js';

const root = join(import.meta.dirname, '../..');

function request(over: Partial<VerificationStatus> & Pick<VerificationStatus, 'id'>) {
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

function match(over: Partial<HistoryMatch> & Pick<HistoryMatch, 'matchID'>): HistoryMatch {
  return {
    game: 'dice-duel',
    playerID: '0',
    result: 'lost',
    startedAt: '2025-01-01T09:58:00.000Z',
    updatedAt: '2025-01-01T10:05:00.000Z',
    requests: [],
    ...over,
  };
}

const MATCHES: HistoryMatch[] = [
  match({ matchID: 'run1', game: 'verify-cards', result: 'playing', playerID: '2' }),
  match({
    matchID: 'lost1',
    requests: [
      request({ id: 'lost1:3:0', status: 'submitted' }),
      request({
        id: 'lost1:5:0',
        reason: 'keyholder-demand',
        actor: 'keyholder',
        status: 'failed',
        message: 'Verification picture extension not found on this lock',
        updatedAt: '2025-01-01T10:04:00.000Z',
      }),
    ],
  }),
  match({ matchID: 'won1', result: 'won', requests: [request({ id: 'won1:2:0' })] }),
];

/** The text of some HTML: blocks end in a space, other tags dropped. */
function text(html: string): string {
  return html
    .replace(/<\/(p|li|h\d|div)>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

describe('MatchHistory', () => {
  it('shows each match in the order given: game, result in words, dates, and its requests', () => {
    const html = renderToStaticMarkup(
      <MatchHistory
        matches={MATCHES}
        lockTitle="Weekend lock"
        gameTitle={(game) => (game === 'dice-duel' ? 'Dice Duel' : 'Verify Cards')}
      />,
    );
    const items = [...html.matchAll(/<li [^>]*data-testid="history-match"[^>]*>/g)].map(
      (m) => m[0],
    );
    expect(items.map((tag) => /data-match-id="([^"]+)"/.exec(tag)![1])).toEqual([
      'run1',
      'lost1',
      'won1',
    ]);
    expect(items[0]).toContain('data-result="playing"');
    expect(items[0]).toContain('data-game="verify-cards"');
    expect(items[1]).toContain(`data-tone="${RESULT_TONES.lost}"`);
    expect(text(html)).toContain('Lock: Weekend lock');

    const [running, lost, won] = html.split('data-testid="history-match"').slice(1);
    expect(text(running!)).toContain('Verify Cards');
    expect(running).toContain(`title="${RESULT_HINTS.playing}">${RESULT_WORDS.playing}<`);
    expect(text(running!)).toContain('0 requests');
    expect(running).not.toContain('history-request');
    expect(text(won!)).toContain('Dice Duel');
    expect(text(won!)).toContain('won');
    expect(text(won!)).toContain('1 request');

    // The requests, oldest first as the server lists them, worded as the timeline words them.
    const requests = [
      ...lost!.matchAll(/<li [^>]*data-testid="history-request"[^>]*>(.*?)<\/li>/g),
    ];
    expect(requests.map((m) => /data-status="([^"]+)"/.exec(m[0])![1])).toEqual([
      'submitted',
      'failed',
    ]);
    const [submitted, failed] = requests.map((m) => text(m[1]!));
    expect(submitted).toContain('lost round 1');
    expect(submitted).toContain(STATUS_WORDS.submitted);
    expect(submitted).toContain('asked by the game');
    expect(failed).toContain('keyholder demand');
    expect(failed).toContain('asked by the keyholder');
    expect(failed).toContain('Verification picture extension not found on this lock');
    expect(requests[1]![0]).toContain('data-tone="danger"');
    expect(requests[1]![0]).toContain('data-actor="keyholder"');
    // Colour is never the only cue: a mark (hidden from screen readers) besides the words.
    expect(requests[1]![1]).toMatch(/<span aria-hidden="true">✕ <\/span>failed/);
    expect(requests[1]![1]).toContain(`title="${STATUS_HINTS.failed}"`);
  });

  it('is an accessible region: labelled by its heading, one heading per match, time elements', () => {
    const html = renderToStaticMarkup(
      <MatchHistory matches={MATCHES} title="Recent matches of alice" headingLevel={3} />,
    );
    const labelledBy = /<section [^>]*aria-labelledby="([^"]+)"/.exec(html)![1];
    expect(html).toContain(`<h3 id="${labelledBy}">Recent matches of alice</h3>`);
    // The default title of a game is its name in words.
    expect(html.match(/<h4 class="bgc-history-game">[^<]*<\/h4>/g)).toEqual([
      '<h4 class="bgc-history-game">verify cards</h4>',
      '<h4 class="bgc-history-game">dice duel</h4>',
      '<h4 class="bgc-history-game">dice duel</h4>',
    ]);
    expect(html).toContain('<time dateTime="2025-01-01T09:58:00.000Z">');
    expect(html).toContain('<time dateTime="2025-01-01T10:05:00.000Z">');
    // Two per match, one per request.
    expect(html.match(/<time /g)).toHaveLength(3 * 2 + 3);
    expect(html).toContain('aria-label="Requests in this dice duel match"');
    expect(html).toMatch(/<ol class="bgc-history-list" data-testid="history">/);
  });

  it('says when there are no matches, and puts actions and children where they belong', () => {
    const empty = renderToStaticMarkup(<MatchHistory matches={[]} />);
    expect(text(empty)).toBe('Recent matches No matches yet.');

    const html = renderToStaticMarkup(
      <MatchHistory
        matches={MATCHES}
        actions={(m) => (m.result === 'playing' ? <button type="button">Return</button> : null)}
      >
        <p>tools</p>
      </MatchHistory>,
    );
    expect(html.indexOf('tools')).toBeGreaterThan(html.indexOf('</h2>'));
    expect(html.indexOf('tools')).toBeLessThan(html.indexOf('<ol'));
    expect(html.match(/<button/g)).toHaveLength(1);
    const [running] = html.split('data-testid="history-match"').slice(1);
    expect(running).toContain('<div class="bgc-history-actions"><button type="button">Return');
    expect(html.match(/bgc-history-actions/g)).toHaveLength(1);
  });

  it('is styled by the kit stylesheet with the documented variables only', () => {
    const css = readFileSync(join(root, 'src/react/styles.css'), 'utf8');
    const section = css.slice(css.indexOf('/* Match history'));
    const header = css.slice(0, css.indexOf('*/'));
    for (const [, variable] of section.matchAll(/var\((--bgc-[a-z]+)/g)) {
      if (variable === '--bgc-tone') continue; // internal: the badge's tone
      expect(header, `styles.css documents ${variable}`).toContain(variable);
    }
    const html = renderToStaticMarkup(
      <>
        <MatchHistory matches={MATCHES} lockTitle="x" actions={() => 'act'} />
        <MatchHistory matches={[]} />
      </>,
    );
    const rendered = new Set(
      [...html.matchAll(/class="([a-z -]+)"/g)].flatMap((m) => m[1]!.split(' ')),
    );
    const styled = [...section.matchAll(/\.(bgc-[a-z-]+)/g)].map((m) => m[1]!);
    expect(styled.length).toBeGreaterThan(5);
    for (const name of styled) expect(rendered, `.${name} is rendered`).toContain(name);
    // Every result tone has a colour.
    for (const tone of new Set(Object.values(RESULT_TONES))) {
      if (tone !== 'info') expect(section).toContain(`.bgc-result[data-tone='${tone}']`);
    }
  });
});

describe('useHistory', () => {
  it('only works once signed in, and says where it belongs', () => {
    function Probe() {
      useHistory();
      return null;
    }
    expect(() => renderToStaticMarkup(<Probe />)).toThrow(/below <ChasterLoginProvider>/);
  });

  it('loads the history; a failure goes to the login first (an expired login renews), then to the hook', async () => {
    const answer: HistoryAnswer = { lockTitle: 'Weekend lock', matches: MATCHES };
    const served = await contractShapedHistoryServer([
      { status: 200, body: answer },
      { status: 401, body: { error: 'token_expired', message: 'Your login has expired.' } },
    ]);
    const api = createApiClient({ baseUrl: served.url }).withToken('t');
    const report = vi.fn();
    const load = historyLoader(api, report);
    expect(await load(new AbortController().signal)).toEqual(answer);
    expect(report).not.toHaveBeenCalled();
    const error = await load(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).loginExpired).toBe(true);
    expect(report).toHaveBeenCalledWith(error, api);
  });
});

/**
 * NOT the real `GET /api/history`: a local HTTP server answering each call with the next of
 * `answers` (fixed JSON), to test how the client reads answers of the contract's shape, or not.
 */
async function contractShapedHistoryServer(answers: Array<{ status: number; body: unknown }>) {
  const calls: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server = createServer((req, res) => {
    calls.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    const answer = answers[calls.length - 1] ?? { status: 500, body: { error: 'x', message: 'x' } };
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('client.history() reading answers', () => {
  it('sends the bearer token to GET /api/history and checks the answer against the contract', async () => {
    const answer: HistoryAnswer = { lockTitle: 'Weekend lock', matches: MATCHES };
    const served = await contractShapedHistoryServer([
      { status: 200, body: answer },
      { status: 200, body: { lockTitle: 'x', matches: [{ ...MATCHES[0], result: 'ahead' }] } },
      { status: 200, body: { matches: [] } },
      { status: 403, body: { error: 'forbidden', message: 'Not your lock.' } },
    ]);
    const api = createApiClient({ baseUrl: served.url }).withToken('bearer-1');
    expect(await api.history()).toEqual(answer);
    expect(served.calls[0]).toEqual({
      method: 'GET',
      url: '/api/history',
      authorization: 'Bearer bearer-1',
    });
    // A result the contract does not know, or a missing lock title, is not read as a history.
    for (let n = 0; n < 2; n++) {
      const error = await api.history().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('bad_answer');
    }
    // The server's refusal comes with its own code and words.
    const refused = (await api.history().catch((e: unknown) => e)) as ApiError;
    expect([refused.status, refused.code, refused.message]).toEqual([
      403,
      'forbidden',
      'Not your lock.',
    ]);
  });
});

const postgresMissing = needServices('the history tests on Postgres');

describe.each<TargetKind>(['sqlite', 'postgres'])(
  'client.history() against the real server on %s',
  (kind) => {
    it('a keyholder and the wearer see the wearer’s matches and requests; another lock sees none', async (ctx) => {
      if (kind === 'postgres' && postgresMissing()) return ctx.skip();
      const target = await startTarget(kind, { games: [PenaltyGame], limits: TEST_LIMITS });
      const url = target.urls[0]!;
      const client = createApiClient({ baseUrl: url });
      const lock = target.emulator.createLock({ title: 'Weekend lock' });
      const wearer = await client.login(lock.tokens.wearer);
      const keyholder = await client.login(lock.tokens.keyholder!);
      const matchID = await flood(url, wearer.token, 2);
      const settled = (m: HistoryMatch | undefined) =>
        m !== undefined &&
        m.requests.length === 2 &&
        m.requests.every((r) => r.status !== 'queued' && r.status !== 'sending');

      const seen = await until(async () => {
        const history = await client.withToken(keyholder.token).history();
        return settled(history.matches[0]) ? history : undefined;
      }, 'the keyholder to see the wearer’s two requests');
      expect(seen.lockTitle).toBe('Weekend lock');
      expect(seen.matches).toHaveLength(1);
      const [played] = seen.matches;
      expect(played).toMatchObject({ matchID, game: 'penalty', playerID: '0', result: 'playing' });
      expect(played!.requests.map((r) => [r.playerID, r.reason, r.actor, r.status])).toEqual([
        ['0', 'seat 0 lost', 'extension', 'delivered'],
        ['0', 'seat 0 lost', 'extension', 'already_pending'],
      ]);
      expect(Date.parse(played!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(played!.startedAt));

      // The wearer sees the same matches.
      const own = await client.withToken(wearer.token).history();
      expect(own.matches.map((m) => m.matchID)).toEqual([matchID]);

      // Another lock's keyholder sees nothing of them; a call without a login is refused.
      const other = target.emulator.createLock();
      const stranger = await client.login(other.tokens.keyholder!);
      expect((await client.withToken(stranger.token).history()).matches).toEqual([]);
      const anonymous = (await client
        .withToken('not-a-token')
        .history()
        .catch((e: unknown) => e)) as ApiError;
      expect(anonymous).toBeInstanceOf(ApiError);
      expect(anonymous.status).toBe(401);
    });

    it(`lists at most ${MAX_HISTORY_MATCHES} matches, newest first`, async (ctx) => {
      if (kind === 'postgres' && postgresMissing()) return ctx.skip();
      const target = await startTarget(kind, { games: [PenaltyGame], limits: TEST_LIMITS });
      const url = target.urls[0]!;
      const client = createApiClient({ baseUrl: url });
      const lock = target.emulator.createLock();
      const wearer = await client.login(lock.tokens.wearer);
      const made: string[] = [];
      for (let n = 0; n < MAX_HISTORY_MATCHES + 2; n++)
        made.push(await flood(url, wearer.token, 0));
      const history = await client.withToken(wearer.token).history();
      const listed = history.matches.map((m) => m.matchID);
      expect(listed).toHaveLength(MAX_HISTORY_MATCHES);
      expect(made).toEqual(expect.arrayContaining(listed));
      // The oldest are left out; rooms made within one millisecond may come in either order.
      expect(listed).not.toContain(made[0]);
      const started = history.matches.map((m) => Date.parse(m.startedAt));
      expect(started).toEqual([...started].sort((a, b) => b - a));
    });
  },
);

const CHROMIUM = '/usr/bin/chromium';
const noChromium = !existsSync(CHROMIUM);
if (noChromium) {
  const how = 'install it with `apt-get install chromium` (as .ci/run does) to run this test';
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: ${how}.`);
  console.warn(`useHistory's browser test skipped: Chromium is missing at ${CHROMIUM}; ${how}.`);
}

/**
 * A page of the kit alone: signs in from the hash, polls the history every 200 ms, and shows it
 * with `MatchHistory`; `data-testid="probe"` tells the hook's state.
 */
const PAGE_ENTRY = `
import { Fragment, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { ChasterLoginProvider, MatchHistory, useHistory } from ${JSON.stringify(join(root, 'src/react/index.ts'))};
function Probe() {
  const history = useHistory({ intervalMs: 200 });
  return h(Fragment, null,
    h('p', { 'data-testid': 'probe', 'data-loading': String(history.loading),
      'data-error': history.error ? String(history.error.message) : '' }),
    history.data ? h(MatchHistory, { matches: history.data.matches, lockTitle: history.data.lockTitle }) : null);
}
createRoot(document.getElementById('root')).render(h(ChasterLoginProvider, null, h(Probe)));
`;

/** `PAGE_ENTRY` bundled by Vite into one script. */
async function bundlePage(): Promise<string> {
  const out = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    plugins: [
      {
        name: 'history-page',
        resolveId: (id) => (id === 'virtual:history-page' ? '\0history-page' : undefined),
        load: (id) => (id === '\0history-page' ? PAGE_ENTRY : undefined),
      },
    ],
    build: {
      write: false,
      minify: false,
      rollupOptions: { input: 'virtual:history-page', output: { format: 'iife' } },
    },
  });
  const [result] = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  const chunk = result!.output.find((file) => file.type === 'chunk');
  return chunk!.code;
}

describe.skipIf(noChromium)('useHistory and MatchHistory in Chromium', () => {
  let browser: Browser | undefined;
  let script = '';
  beforeAll(async () => {
    script = await bundlePage();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the keyholder’s page shows the wearer’s match, and a new one appears by polling', async () => {
    const target = await startTarget('sqlite', { games: [PenaltyGame], limits: TEST_LIMITS });
    const url = target.urls[0]!;
    const lock = target.emulator.createLock({ title: 'Weekend lock' });
    const wearer = await createApiClient({ baseUrl: url }).login(lock.tokens.wearer);
    const first = await flood(url, wearer.token, 1);

    // The page is served on the game server's own origin, as an extension's page would be.
    const page = await browser!.newPage();
    await page.route(`${url}/history.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><div id="root"></div><script src="/history.js"></script>',
      }),
    );
    await page.route(`${url}/history.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: script }),
    );
    const hash = encodeURIComponent(JSON.stringify({ mainToken: lock.tokens.keyholder }));
    await page.goto(`${url}/history.html#${hash}`);

    const matches = () =>
      page
        .getByTestId('history-match')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-match-id')));
    await expect.poll(matches, { timeout: 10_000 }).toEqual([first]);
    await expect
      .poll(() => page.getByTestId('history-request').getAttribute('data-status'), {
        timeout: 10_000,
      })
      .toBe('delivered');
    expect(await page.getByTestId('probe').getAttribute('data-error')).toBe('');
    expect(await page.locator('.bgc-history-lock').textContent()).toBe('Lock: Weekend lock');

    const second = await flood(url, wearer.token, 0);
    await expect.poll(matches, { timeout: 10_000 }).toEqual([second, first]);
    await page.close();
  });
});
