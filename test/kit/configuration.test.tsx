/**
 * The configuration page's kit without a browser: Chaster's save protocol against a fake window
 * (only the parent, from an allowed origin, with exactly Chaster's save message, starts a save;
 * the answers are `save_loading` then `save_success` or `save_failed`; a save asked for while one
 * runs is ignored), the configuration hash, and the house rules form checked as the server checks
 * it. The hooks themselves run in Chromium (test/browser/config-page.test.ts).
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import {
  HOUSE_RULE_LIMITS,
  createApiClient,
  readPartnerConfigurationToken,
} from '../../src/client/index.js';
import {
  CHASTER_ORIGIN,
  attachChasterSaveCapability,
  houseRulesForm,
  readHouseRulesForm,
  useChasterSaveCapability,
  useHouseRulesConfiguration,
} from '../../src/react/index.js';
import type {
  HouseRulesForm,
  MessageEventLike,
  SaveCapabilityOptions,
  SaveCapabilityWindow,
} from '../../src/react/index.js';

const SAVE = JSON.stringify({ type: 'chaster', event: 'partner_configuration_save' });

/** A page's window inside a frame: what it posts to its parent, and a way to deliver messages. */
function framedWindow() {
  const posted: Array<{ message: unknown; targetOrigin: string }> = [];
  const parent = {
    postMessage(message: string, targetOrigin: string) {
      // Every message the page sends is a JSON string, as Chaster reads them.
      expect(typeof message).toBe('string');
      posted.push({ message: JSON.parse(message), targetOrigin });
    },
  };
  const listeners = new Set<(event: MessageEventLike) => void>();
  const host: SaveCapabilityWindow = {
    parent,
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  const deliver = (
    data: unknown,
    { origin = CHASTER_ORIGIN, source = parent as unknown } = {},
  ): void => {
    for (const listener of [...listeners]) listener({ data, origin, source });
  };
  /** The events answered to a save so far, with where they went. */
  const answers = () =>
    posted
      .filter(({ message }) => (message as { event: string }).event !== 'capabilities')
      .map(
        ({ message, targetOrigin }) => `${(message as { event: string }).event} → ${targetOrigin}`,
      );
  return { host, parent, posted, listeners, deliver, answers };
}

/** A promise settled from outside. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (no clock involved). */
const settle = () => new Promise<void>((done) => setImmediate(done));

function attached(onSave: () => Promise<void>, options?: SaveCapabilityOptions) {
  const page = framedWindow();
  const detach = attachChasterSaveCapability(page.host, onSave, options);
  return { ...page, detach };
}

describe('attachChasterSaveCapability', () => {
  it('announces the save capability to the parent once, as a JSON string', () => {
    const page = attached(async () => {});
    expect(page.posted).toEqual([
      {
        message: {
          type: 'partner_configuration',
          event: 'capabilities',
          payload: { features: { save: true } },
        },
        targetOrigin: '*',
      },
    ]);
  });

  it("answers Chaster's save with save_loading, then save_success once onSave resolves, to Chaster's origin", async () => {
    const save = deferred();
    const onSave = vi.fn(() => save.promise);
    const page = attached(onSave);
    page.deliver(SAVE);
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(page.answers()).toEqual([`save_loading → ${CHASTER_ORIGIN}`]);
    await settle();
    expect(page.answers()).toEqual([`save_loading → ${CHASTER_ORIGIN}`]);
    save.resolve();
    await settle();
    expect(page.answers()).toEqual([
      `save_loading → ${CHASTER_ORIGIN}`,
      `save_success → ${CHASTER_ORIGIN}`,
    ]);
  });

  it('answers save_failed when onSave rejects or throws', async () => {
    const rejecting = attached(() => Promise.reject(new Error('invalid')));
    rejecting.deliver(SAVE);
    await settle();
    expect(rejecting.answers()).toEqual([
      `save_loading → ${CHASTER_ORIGIN}`,
      `save_failed → ${CHASTER_ORIGIN}`,
    ]);

    const throwing = attached(() => {
      throw new Error('not loaded');
    });
    throwing.deliver(SAVE);
    await settle();
    expect(throwing.answers()).toEqual([
      `save_loading → ${CHASTER_ORIGIN}`,
      `save_failed → ${CHASTER_ORIGIN}`,
    ]);
  });

  it('ignores a save message from any window but the parent', async () => {
    const onSave = vi.fn(async () => {});
    const page = attached(onSave);
    const sibling = { postMessage: () => {} };
    page.deliver(SAVE, { source: sibling });
    page.deliver(SAVE, { source: null });
    page.deliver(SAVE, { source: page.host }); // the page's own window
    await settle();
    expect(onSave).not.toHaveBeenCalled();
    expect(page.answers()).toEqual([]);
  });

  it('ignores a save message from an origin not allowed, and takes one the caller allows', async () => {
    const onSave = vi.fn(async () => {});
    const page = attached(onSave, {
      allowedOrigins: ['http://127.0.0.1:5173'],
      allowOrigin: (origin) => origin.endsWith('.test'),
    });
    for (const origin of [
      'https://evil.example',
      'http://chaster.app',
      'null',
      'https://chaster.app.evil.example',
    ]) {
      page.deliver(SAVE, { origin });
    }
    await settle();
    expect(onSave).not.toHaveBeenCalled();

    page.deliver(SAVE, { origin: 'http://127.0.0.1:5173' });
    await settle();
    page.deliver(SAVE, { origin: 'https://dev.test' });
    await settle();
    expect(page.answers()).toEqual([
      'save_loading → http://127.0.0.1:5173',
      'save_success → http://127.0.0.1:5173',
      'save_loading → https://dev.test',
      'save_success → https://dev.test',
    ]);
  });

  it('refuses the origin when the allowOrigin test throws', async () => {
    const onSave = vi.fn(async () => {});
    const page = attached(onSave, {
      allowOrigin: () => {
        throw new Error('broken test');
      },
    });
    page.deliver(SAVE, { origin: 'https://dev.test' });
    await settle();
    expect(onSave).not.toHaveBeenCalled();
  });

  it('ignores malformed messages: not a string, not JSON, too long, or another shape', async () => {
    const onSave = vi.fn(async () => {});
    const page = attached(onSave);
    const malformed: unknown[] = [
      { type: 'chaster', event: 'partner_configuration_save' }, // an object, not a JSON string
      'partner_configuration_save',
      '{"type":"chaster","event":"partner_configuration_save"',
      SAVE + ' '.repeat(2000), // valid JSON, but far longer than Chaster's message
      'null',
      '42',
      '[]',
      JSON.stringify(['chaster', 'partner_configuration_save']),
      JSON.stringify({ type: 'chaster', event: 'partner_configuration_saved' }),
      JSON.stringify({ type: 'partner_configuration', event: 'partner_configuration_save' }),
      JSON.stringify({ event: 'partner_configuration_save' }),
      undefined,
      null,
    ];
    for (const data of malformed) page.deliver(data);
    await settle();
    expect(onSave).not.toHaveBeenCalled();
    expect(page.answers()).toEqual([]);

    // A message with more fields than Chaster's is still Chaster's save.
    page.deliver(
      JSON.stringify({ type: 'chaster', event: 'partner_configuration_save', extra: 1 }),
    );
    await settle();
    expect(onSave).toHaveBeenCalledTimes(1);
  });

  it('ignores a save asked for while one runs, and takes the next one after it', async () => {
    const first = deferred();
    const onSave = vi.fn().mockReturnValueOnce(first.promise).mockResolvedValue(undefined);
    const page = attached(onSave);
    page.deliver(SAVE);
    page.deliver(SAVE);
    await settle();
    expect(onSave).toHaveBeenCalledTimes(1);
    first.resolve();
    await settle();
    page.deliver(SAVE);
    await settle();
    expect(onSave).toHaveBeenCalledTimes(2);
    expect(page.answers().map((a) => a.split(' ')[0])).toEqual([
      'save_loading',
      'save_success',
      'save_loading',
      'save_success',
    ]);
  });

  it('stops listening once detached, but still answers the save that was running', async () => {
    const save = deferred();
    const onSave = vi.fn(() => save.promise);
    const page = attached(onSave);
    page.deliver(SAVE);
    page.detach();
    expect(page.listeners.size).toBe(0);
    page.deliver(SAVE);
    save.resolve();
    await settle();
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(page.answers().map((a) => a.split(' ')[0])).toEqual(['save_loading', 'save_success']);
  });

  it('does nothing in a page that is not in a frame', () => {
    const page = framedWindow();
    const top = { ...page.host, postMessage: page.parent.postMessage } as SaveCapabilityWindow & {
      parent: unknown;
    };
    (top as { parent: unknown }).parent = top;
    const onSave = vi.fn(async () => {});
    attachChasterSaveCapability(top, onSave);
    expect(page.posted).toEqual([]);
    expect(page.listeners.size).toBe(0);
  });
});

describe('readPartnerConfigurationToken', () => {
  const hashOf = (data: unknown) => `#${encodeURIComponent(JSON.stringify(data))}`;

  it("reads Chaster's hash, with or without the #, and its extensionSlug", () => {
    expect(
      readPartnerConfigurationToken(hashOf({ partnerConfigurationToken: 'abc-123_x.y~z' })),
    ).toEqual({
      ok: true,
      token: 'abc-123_x.y~z',
    });
    expect(
      readPartnerConfigurationToken(
        hashOf({ partnerConfigurationToken: 'tok', extensionSlug: 'games' }).slice(1),
      ),
    ).toEqual({ ok: true, token: 'tok', extensionSlug: 'games' });
  });

  it('says why when there is no token, the hash is damaged, or the token is not of a valid shape', () => {
    const reason = (hash: string) => {
      const read = readPartnerConfigurationToken(hash);
      expect(read.ok).toBe(false);
      return read.ok ? '' : read.reason;
    };
    expect(reason('')).toMatch(/opened without a configuration token/);
    expect(reason('#')).toMatch(/opened without a configuration token/);
    expect(reason('#%7B%22partner')).toMatch(/damaged/);
    expect(reason('#%E0%A4%A')).toMatch(/damaged/);
    expect(reason(hashOf('just a string'))).toMatch(/damaged/);
    expect(reason(hashOf(null))).toMatch(/damaged/);
    expect(reason(`#${'a'.repeat(100_000)}`)).toMatch(/damaged/);
    expect(reason(hashOf({}))).toMatch(/no configuration token/);
    expect(reason(hashOf({ mainToken: 'm' }))).toMatch(
      /opens the game, not the extension's settings/,
    );
    for (const token of ['', '../sessions', '.hidden', 'a/b', 'a b', 42, 'x'.repeat(1025)]) {
      expect(reason(hashOf({ partnerConfigurationToken: token }))).toMatch(/not valid/);
    }
  });
});

describe('the house rules form', () => {
  const EMPTY: HouseRulesForm = houseRulesForm({});

  it('an empty form is no rule at all; every rule round-trips, the chance as a percentage', () => {
    expect(EMPTY).toEqual({
      allowedGames: null,
      loserRequest: false,
      minRandomCheckPercent: '',
      maxCooldownSeconds: '',
      minRequestsPerMatch: '',
      minKeyholderDemands: '',
    });
    expect(readHouseRulesForm(EMPTY)).toEqual({ ok: true, rules: {} });
    const rules = {
      allowedGames: ['dice-duel'],
      loserRequest: true,
      minRandomCheckChance: 0.07,
      maxCooldownSeconds: 600,
      minRequestsPerMatch: 3,
      minKeyholderDemands: 1,
    };
    const form = houseRulesForm(rules);
    expect(form.minRandomCheckPercent).toBe('7');
    expect(readHouseRulesForm(form)).toEqual({ ok: true, rules });
  });

  it('converts percentages without float noise, and keeps "no game" apart from "every game"', () => {
    const chance = (percent: string) => {
      const read = readHouseRulesForm({ ...EMPTY, minRandomCheckPercent: percent });
      return read.ok ? read.rules.minRandomCheckChance : undefined;
    };
    expect(chance('12.5')).toBe(0.125);
    expect(chance('33.3')).toBe(0.333);
    expect(chance(' 100 ')).toBe(1);
    expect(chance('0')).toBe(0);
    expect(houseRulesForm({ minRandomCheckChance: 0.333 }).minRandomCheckPercent).toBe('33.3');
    expect(readHouseRulesForm({ ...EMPTY, allowedGames: [] })).toEqual({
      ok: true,
      rules: { allowedGames: [] },
    });
    expect(
      readHouseRulesForm({
        ...EMPTY,
        allowedGames: ['dice-duel', 'dice-duel'],
        loserRequest: false,
      }),
    ).toEqual({ ok: true, rules: { allowedGames: ['dice-duel'] } });
  });

  it('words each value the schema refuses for its field', () => {
    const { maxCooldownSeconds, minRequestsPerMatch, minKeyholderDemands } = HOUSE_RULE_LIMITS;
    const read = readHouseRulesForm({
      allowedGames: Array.from(
        { length: HOUSE_RULE_LIMITS.allowedGames.maxGames + 1 },
        (_, i) => `g${i}`,
      ),
      loserRequest: true,
      minRandomCheckPercent: '150',
      maxCooldownSeconds: '1.5',
      minRequestsPerMatch: 'many',
      minKeyholderDemands: String(minKeyholderDemands.max + 1),
    });
    expect(read).toEqual({
      ok: false,
      problems: {
        allowedGames: 'allowedGames must be a list of at most 32 game names',
        minRandomCheckChance: 'Enter a percentage from 0 to 100, or leave it empty.',
        maxCooldownSeconds: `Enter a whole number of seconds from ${maxCooldownSeconds.min} to ${maxCooldownSeconds.max}, or leave it empty.`,
        minRequestsPerMatch: `Enter a whole number from ${minRequestsPerMatch.min} to ${minRequestsPerMatch.max}, or leave it empty.`,
        minKeyholderDemands: `Enter a whole number from ${minKeyholderDemands.min} to ${minKeyholderDemands.max}, or leave it empty.`,
      },
    });
    expect(readHouseRulesForm({ ...EMPTY, maxCooldownSeconds: '-1' })).toMatchObject({
      ok: false,
      problems: { maxCooldownSeconds: expect.stringContaining('whole number of seconds') },
    });
  });
});

describe('the hooks on a server', () => {
  it('render the loading state without a window, and call nothing', () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const client = createApiClient({ baseUrl: 'http://games.test', fetch });
    function Page() {
      const configuration = useHouseRulesConfiguration('tok', { client });
      useChasterSaveCapability(async () => {});
      return <p>{configuration.status}</p>;
    }
    expect(renderToStaticMarkup(<Page />)).toBe('<p>loading</p>');
    expect(fetch).not.toHaveBeenCalled();
  });
});
