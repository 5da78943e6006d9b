/**
 * The configuration page in Chromium, the way Chaster shows it: a parent page on another origin
 * embeds `/config#{"partnerConfigurationToken":…}` in an iframe and speaks Chaster's postMessage
 * protocol. The page announces it can save, shows the lock's saved house rules, and saves what was
 * entered when the parent asks (`save_loading`, then `save_success`); an invalid value is worded on
 * the page and answered `save_failed` without a call; an unknown link, a missing token and a
 * wearer's read-only view each get a clear page. The client is built once into a temporary folder
 * (so this file never races another over dist/) and served by a real game server with a real
 * emulator behind it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { games } from '../../game/index.js';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import { createGameServer, serveStatic } from '../../src/server/index.js';
import type { GameServer } from '../../src/server/index.js';
import { TEST_LIMITS } from '../fixtures/limits.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) {
  const how =
    'install it with `apt-get install chromium` (as .ci/run does) to run the browser tests';
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: ${how}.`);
  console.warn(`Browser tests skipped: Chromium is missing at ${CHROMIUM}; ${how}.`);
}

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-config-'));
let emulator: ChasterEmulator | undefined;
let server: GameServer | undefined;
let parentServer: Server | undefined;
let browser: Browser | undefined;
/** The game server serving the built client: the configuration page's origin. */
let appUrl: string;
/** The stand-in for Chaster: another origin (another port). */
let parentUrl: string;

/**
 * Chaster's part: embeds the page named by `?src=` and records every message the iframe posts
 * (`window.received`); `pressSave()` posts Chaster's save message to the iframe's origin.
 */
const PARENT_PAGE = `<!doctype html>
<html><body>
<iframe id="config" title="configuration" style="width: 420px; height: 1400px"></iframe>
<script>
  window.received = [];
  const frame = document.getElementById('config');
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow) return;
    window.received.push({ origin: event.origin, data: event.data });
  });
  window.pressSave = () =>
    frame.contentWindow.postMessage(
      JSON.stringify({ type: 'chaster', event: 'partner_configuration_save' }),
      new URL(frame.src).origin,
    );
  frame.src = new URLSearchParams(location.search).get('src');
</script>
</body></html>`;

beforeAll(async () => {
  if (missing) return;
  const outDir = join(dir, 'client');
  await viteBuild(outDir);
  emulator = createChasterEmulator();
  await emulator.listen(0, '127.0.0.1');
  server = await createGameServer({
    games,
    limits: TEST_LIMITS,
    chaster: { baseUrl: emulator.url, token: emulator.token, timeoutMs: 2000 },
    database: join(dir, 'test.sqlite'),
    logger: pino({ level: 'silent' }),
  });
  server.app.use(serveStatic(outDir));
  appUrl = await server.listen(0, '127.0.0.1');
  parentServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PARENT_PAGE);
  });
  await new Promise<void>((done) => parentServer!.listen(0, '127.0.0.1', done));
  parentUrl = `http://127.0.0.1:${(parentServer.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.close();
  await new Promise((done) => (parentServer ? parentServer.close(done) : done(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `vite build` into `outDir`. */
function viteBuild(outDir: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--outDir',
        outDir,
        '--logLevel',
        'error',
      ],
      // A production build, as `npm start` serves it (vitest's NODE_ENV=test would make React's
      // development build, whose StrictMode mounts every component twice).
      {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`vite build failed (${code}):\n${output}`)),
    );
  });
}

/** Calls one of the emulator's control routes. */
async function control(method: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${emulator!.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
}

/** A lock with a keyholder, its saved config set, and a configuration token for `role`. */
async function lockWithConfig(config: Record<string, unknown>, role: 'keyholder' | 'wearer') {
  const { lockId } = emulator!.createLock({ wearerName: 'alice', keyholderName: 'kim' });
  await control('PUT', `/__emulator/locks/${lockId}/config`, { config });
  const { token } = (await control('POST', `/__emulator/locks/${lockId}/configuration-token`, {
    role,
  })) as { token: string };
  return { lockId, token };
}

/** The config Chaster (the emulator) holds for a lock, read with a fresh token as Chaster has it. */
async function storedConfig(lockId: string): Promise<unknown> {
  const token = emulator!.configurationToken(lockId);
  const res = await fetch(`${emulator!.url}/api/extensions/configurations/${token}`, {
    headers: { authorization: `Bearer ${emulator!.token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { config: unknown }).config;
}

/** The configuration page's URL with Chaster's hash. */
function configUrl(token: string): string {
  return `${appUrl}/config#${encodeURIComponent(JSON.stringify({ partnerConfigurationToken: token }))}`;
}

/** Opens the parent page embedding `src` in a fresh phone-sized context. */
async function openInParent(src: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser!.newContext({ viewport: { width: 460, height: 1500 } });
  const page = await context.newPage();
  await page.goto(`${parentUrl}/?src=${encodeURIComponent(src)}`);
  return { page, context };
}

/** The events the iframe posted to the parent, in order (every message must be a JSON string). */
async function events(page: Page): Promise<Array<{ event: string; origin: string; body: any }>> {
  const received = (await page.evaluate('window.received')) as Array<{
    origin: string;
    data: unknown;
  }>;
  return received.map(({ origin, data }) => {
    expect(typeof data).toBe('string');
    const body = JSON.parse(data as string);
    expect(body.type).toBe('partner_configuration');
    return { event: body.event as string, origin, body };
  });
}

async function pressSave(page: Page): Promise<void> {
  await page.evaluate('window.pressSave()');
}

/** The names of the events after the first `skip`, once `count` of them have arrived. */
async function eventsAfter(page: Page, skip: number, count: number): Promise<string[]> {
  await expect
    .poll(async () => (await events(page)).length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(skip + count);
  return (await events(page)).slice(skip).map((e) => e.event);
}

async function fields(frame: FrameLocator) {
  return {
    limitGames: await frame.getByLabel('Only let the wearer play some games').isChecked(),
    diceDuel: await frame.getByLabel('Dice Duel').isChecked(),
    verifyCards: await frame.getByLabel('Verify Cards').isChecked(),
    loser: await frame.getByLabel('Always ask the loser of a round for a picture').isChecked(),
    chance: await frame.getByLabel('Least surprise check chance (%)').inputValue(),
    cooldown: await frame.getByLabel(/Longest cooldown/).inputValue(),
    requests: await frame.getByLabel('Least requests allowed per match').inputValue(),
    demands: await frame.getByLabel('Least keyholder demands per match').inputValue(),
  };
}

describe.skipIf(missing)(
  'the configuration page in Chromium, inside a parent playing Chaster',
  () => {
    it('announces it can save, shows the saved rules, saves what was entered on the parent’s save, and refuses an invalid value without a call', async () => {
      const { lockId, token } = await lockWithConfig(
        {
          allowedGames: ['dice-duel'],
          loserRequest: true,
          minRandomCheckChance: 0.25,
          maxCooldownSeconds: 600,
          minRequestsPerMatch: 3,
          minKeyholderDemands: 1,
        },
        'keyholder',
      );
      const { page, context } = await openInParent(configUrl(token));
      const puts: string[] = [];
      context.on('request', (request) => {
        if (request.method() === 'PUT' && request.url().includes('/api/configurations/')) {
          puts.push(request.url());
        }
      });
      const frame = page.frameLocator('#config');

      // The capability arrives from the page's own origin, once the rules are loaded.
      const [capabilities] = await eventsAfter(page, 0, 1).then(() => events(page));
      expect(capabilities).toEqual({
        event: 'capabilities',
        origin: appUrl,
        body: {
          type: 'partner_configuration',
          event: 'capabilities',
          payload: { features: { save: true } },
        },
      });

      // The form shows the lock's saved config, and the server's own limits.
      await frame.getByTestId('config-form').waitFor();
      expect(await fields(frame)).toEqual({
        limitGames: true,
        diceDuel: true,
        verifyCards: false,
        loser: true,
        chance: '25',
        cooldown: '600',
        requests: '3',
        demands: '1',
      });
      expect(await frame.getByTestId('server-limits').textContent()).toMatch(
        /limits win over any house rule: at least \d+ s between two requests .* at most \d+ requests per match/,
      );

      // The keyholder changes rules in the iframe, and Chaster's save button is pressed.
      await frame.getByLabel('Verify Cards').check();
      await frame.getByLabel('Always ask the loser of a round for a picture').uncheck();
      await frame.getByLabel('Least surprise check chance (%)').fill('40');
      await frame.getByLabel(/Longest cooldown/).fill('300');
      await frame.getByLabel('Least requests allowed per match').fill('5');
      await frame.getByLabel('Least keyholder demands per match').fill('2');
      await pressSave(page);
      expect(await eventsAfter(page, 1, 2)).toEqual(['save_loading', 'save_success']);
      expect((await events(page)).every((e) => e.origin === appUrl)).toBe(true);
      expect(await storedConfig(lockId)).toEqual({
        allowedGames: ['dice-duel', 'verify-cards'],
        minRandomCheckChance: 0.4,
        maxCooldownSeconds: 300,
        minRequestsPerMatch: 5,
        minKeyholderDemands: 2,
      });
      expect(puts).toHaveLength(1);
      await expect
        .poll(() => frame.getByTestId('save-status').getAttribute('data-state'))
        .toBe('saved');

      // An invalid value is worded on the page; a save is refused there, with no call.
      await frame.getByLabel(/Longest cooldown/).fill('999999');
      await frame.getByText('Enter a whole number of seconds from 0 to 86400').waitFor();
      await pressSave(page);
      expect(await eventsAfter(page, 3, 2)).toEqual(['save_loading', 'save_failed']);
      expect(await frame.getByTestId('save-status').textContent()).toContain(
        'These house rules are not valid',
      );
      expect(puts).toHaveLength(1);
      expect(await storedConfig(lockId)).toMatchObject({ maxCooldownSeconds: 300 });
      await context.close();
    });

    it('an unknown link shows a clear page, and announces nothing', async () => {
      const { page, context } = await openInParent(configUrl('no-such-token'));
      const problem = page.frameLocator('#config').getByTestId('config-problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain(
        'This configuration link is unknown or has expired',
      );
      expect(await events(page)).toEqual([]);
      await context.close();
    });

    it('without a token, the page says where the link comes from; a wearer reads the rules without a way to save', async () => {
      const context = await browser!.newContext({ viewport: { width: 420, height: 1200 } });
      const page = await context.newPage();
      await page.goto(`${appUrl}/config`);
      const problem = page.getByTestId('config-problem');
      await problem.waitFor();
      expect(await problem.textContent()).toContain('opened without a configuration token');

      const { token } = await lockWithConfig({ maxCooldownSeconds: 120 }, 'wearer');
      await page.goto(configUrl(token));
      await page.reload(); // only the hash changed: load the page for the new token
      await page.getByTestId('config-read-only').waitFor();
      expect(await page.getByLabel(/Longest cooldown/).inputValue()).toBe('120');
      expect(await page.getByLabel(/Longest cooldown/).isDisabled()).toBe(true);
      expect(await page.getByTestId('config-save').count()).toBe(0);
      await context.close();
    });
  },
);
