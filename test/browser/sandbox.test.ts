/**
 * The whole product in a real browser: `npm start` in sandbox mode, Debian's Chromium driven by
 * playwright-core. A keyholder hosts Dice Duel, wearers A and B join and roll until a round is
 * lost; the loser's timeline shows the request delivered and the emulator saw actor `extension`;
 * the keyholder's demand shows actor `keyholder`; the loser submits the picture from the page
 * (sandbox mode) and the timeline shows it `submitted`; the lock without Verification Picture
 * shows Chaster's failure message.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) {
  const how =
    'install it with `apt-get install chromium` (as .ci/run does) to run the browser tests';
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: ${how}.`);
  console.warn(`Browser tests skipped: Chromium is missing at ${CHROMIUM}; ${how}.`);
}

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-browser-'));
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let links: Record<'alice' | 'bob' | 'kim' | 'casey', string>;
let emulatorUrl: string;

beforeAll(async () => {
  if (missing) return;
  server = spawn(process.execPath, ['--import', 'tsx', 'game/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      CHASTER_TOKEN: '',
      DATABASE_URL: join(dir, 'sandbox.sqlite'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = await new Promise<string>((resolveOut, reject) => {
    let text = '';
    server!.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (/wearer C \(casey[^\n]*\n/.test(text)) resolveOut(text);
    });
    server!.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    server!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${text}`)));
  });
  const link = (label: RegExp) => out.match(new RegExp(`${label.source}\\s+(http://\\S+)`))![1]!;
  links = {
    alice: link(/wearer A \(alice\):/),
    bob: link(/wearer B \(bob\):/),
    kim: link(/keyholder of alice:/),
    casey: link(/lock without Verification Picture\):/),
  };
  emulatorUrl = out.match(/Chaster emulator on (http:\/\/\S+?)[;)]/)![1]!;
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
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a user's sandbox link in a fresh phone-sized context, optionally straight into a room. */
async function open(user: keyof typeof links, room?: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 420, height: 900 } });
  const page = await context.newPage();
  const url = room ? links[user].replace('/#', `/?room=${room}#`) : links[user];
  await page.goto(url);
  await page.getByTestId('whoami').waitFor();
  return page;
}

/** Timeline entries as data. */
async function timeline(page: Page) {
  return page.getByTestId('timeline-item').evaluateAll((items) =>
    items.map((item) => ({
      status: item.getAttribute('data-status'),
      actor: item.getAttribute('data-actor'),
      playerID: item.getAttribute('data-player-id'),
      reason: item.getAttribute('data-reason'),
      text: item.textContent ?? '',
    })),
  );
}

async function emulatorRequests(): Promise<Array<{ actor: string; status: number }>> {
  return (await (await fetch(`${emulatorUrl}/__emulator/requests`)).json()) as Array<{
    actor: string;
    status: number;
  }>;
}

describe.skipIf(missing)('sandbox in Chromium', () => {
  it('plays Dice Duel to a lost round, a keyholder demand, a submitted picture, and a failure for a lock without pictures', async () => {
    const kim = await open('kim');
    await expect.poll(() => kim.getByTestId('whoami').textContent()).toContain('kim');
    await kim.getByTestId('host-game').selectOption('dice-duel');
    await kim.getByTestId('host-players').fill('3');
    // No cooldown: the keyholder's demand may follow a lost round at once.
    await kim.getByLabel(/Cooldown between two requests/).fill('0');
    await kim.getByTestId('host-submit').click();
    const matchID = (await kim.getByTestId('room-code').textContent())!.trim();
    expect(matchID).toMatch(/^[A-Za-z0-9_-]+$/);

    // The board appears once every seat is taken.
    const alice = await open('alice', matchID);
    const bob = await open('bob', matchID);
    await alice.getByTestId('board').waitFor();
    await bob.getByTestId('board').waitFor();

    // Both wearers roll (roll-offs included) until someone has lost a round.
    const lost = async () =>
      (await timeline(alice)).find(
        (r) => r.reason?.startsWith('lost round') && r.status === 'delivered',
      );
    for (let i = 0; i < 40 && !(await lost()); i++) {
      for (const page of [alice, bob]) {
        const roll = page.getByTestId('roll');
        if ((await roll.count()) > 0 && (await roll.isEnabled())) await roll.click();
      }
      await alice.waitForTimeout(150);
    }
    await expect.poll(lost, { timeout: 10_000 }).toBeTruthy();
    const loss = (await lost())!;
    expect(loss.actor).toBe('extension');
    expect(
      (await emulatorRequests()).some((r) => r.actor === 'extension' && r.status === 201),
    ).toBe(true);
    // The loser's own timeline shows it too.
    const loserPage = loss.playerID === '1' ? alice : bob;
    await expect
      .poll(async () =>
        (await timeline(loserPage)).some(
          (r) => r.reason === loss.reason && r.status === 'delivered',
        ),
      )
      .toBe(true);

    // The keyholder demands a picture of alice (seat 1).
    await kim.getByTestId('demand').and(kim.locator('[data-target="1"]')).click();
    await expect
      .poll(async () => (await timeline(kim)).find((r) => r.actor === 'keyholder'), {
        timeout: 10_000,
      })
      .toMatchObject({ playerID: '1', status: expect.stringMatching(/delivered|already_pending/) });
    expect((await emulatorRequests()).some((r) => r.actor === 'keyholder')).toBe(true);

    const shot = process.env.UPDATE_SCREENSHOT
      ? join(root, 'docs', 'screenshot.png')
      : join(dir, 'screenshot.png');
    await alice.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);

    // Sandbox mode closes the loop from the page: the loser submits the picture as they would in
    // Chaster, the emulator posts the webhook, and the timeline shows the request submitted. A
    // keyholder is never offered the button.
    expect(await kim.getByTestId('sandbox-submit').count()).toBe(0);
    await loserPage.getByTestId('sandbox-submit').click();
    await expect
      .poll(async () => (await timeline(loserPage)).find((r) => r.reason === loss.reason)?.status, {
        timeout: 10_000,
      })
      .toBe('submitted');

    // Casey's lock has no Verification Picture extension: the request fails with Chaster's words.
    const casey = await open('casey');
    await casey.getByTestId('host-game').selectOption('verify-cards');
    await casey.getByTestId('host-players').fill('1');
    await casey.getByTestId('host-submit').click();
    await casey.getByTestId('board').waitFor();
    await casey.getByTestId('volunteer').click();
    await expect
      .poll(async () => (await timeline(casey)).find((r) => r.status === 'failed'), {
        timeout: 10_000,
      })
      .toMatchObject({
        text: expect.stringContaining('Verification picture extension not found on this lock'),
      });
    // Nothing was delivered, so there is no picture to submit.
    expect(await casey.getByTestId('sandbox-submit').count()).toBe(0);
  }, 120_000);
});
