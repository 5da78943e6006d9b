/**
 * The host form's rules and the app's words for its games: an untouched form sends each game's
 * default rules exactly, an emptied field is left out for the game's default, and every game has
 * a title (request statuses are worded by the kit: test/kit/react.test.tsx).
 *
 * House rules in the lobby, rendered to HTML against a real server (the emulator's lock config):
 * before submit the form says what the login's house rules will make of the typed rules (the
 * same rules the server then names in `forced`, which the created-room feedback lists with their
 * reasons); a 409 `game_not_allowed` or `house_rules_stricter`, hosting or joining, shows the
 * server's message and what to do; the room list says which rooms a wearer's house rules refuse.
 */
import fc from 'fast-check';
import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { HostForm, ruleNotes } from '../../client/components/lobby/HostForm.js';
import { ForcedRules, RoomRefusal } from '../../client/components/lobby/HouseRules.js';
import { RoomList } from '../../client/components/lobby/RoomList.js';
import { joinBlock, ruleGaps } from '../../client/components/lobby/house-rules.js';
import { fieldsOf, rulesOf } from '../../client/components/lobby/rule-fields.js';
import { gameTitle, summaryLabel } from '../../client/labels.js';
import { DiceDuel, VerifyCards } from '../../game/index.js';
import { GAME_INFO, GAME_NAMES } from '../../game/registry.js';
import type { GameName } from '../../game/registry.js';
import { DEFAULT_RULES, checkDiceDuelRules, checkVerifyCardsRules } from '../../game/rules.js';
import type { SeatRole } from '../../game/types.js';
import { ApiError, HouseRulesSchema, createApiClient } from '../../src/client/index.js';
import type { HouseRules } from '../../src/client/index.js';
import { mergeHouseRules } from '../../src/server/house-rules.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { startTarget } from '../helpers/targets.js';
import type { Target } from '../helpers/targets.js';

describe('host form rules', () => {
  it.each(GAME_NAMES)('an untouched form sends the default rules of %s', (game) => {
    expect(rulesOf(game, fieldsOf(game, DEFAULT_RULES))).toEqual(DEFAULT_RULES[game]);
  });

  it('an emptied field is left out; what is typed is sent as typed, for the server to judge', () => {
    const fields = fieldsOf('dice-duel', DEFAULT_RULES);
    const rules = rulesOf('dice-duel', {
      ...fields,
      rounds: ' ',
      cooldownSeconds: 'soon',
      randomCheckPercent: '12.5',
    });
    expect(rules).not.toHaveProperty('rounds');
    expect(rules).toMatchObject({ cooldownSeconds: null, randomCheckChance: 0.125 });
    expect(checkDiceDuelRules(rules)).toBe(
      'cooldownSeconds must be a whole number from 0 to 86400',
    );
  });

  it('verify-cards sends one count per card kind', () => {
    const fields = { ...fieldsOf('verify-cards', DEFAULT_RULES), 'deck.verify': '9' };
    const rules = rulesOf('verify-cards', fields);
    expect(rules.deck).toEqual({ ...DEFAULT_RULES['verify-cards'].deck, verify: 9 });
    expect(checkVerifyCardsRules(rules)).toBeUndefined();
  });
});

describe('client words', () => {
  it('games are titled from the registry; an unknown game keeps its name', () => {
    for (const name of GAME_NAMES) {
      expect(gameTitle(name)).toBe(GAME_INFO[name].title);
      expect(summaryLabel(name)).toBe(GAME_INFO[name].summaryLabel);
    }
    expect(gameTitle('chess')).toBe('chess');
  });
});

/** The form as the lobby renders it, with the login's house rules. */
function hostForm(
  role: SeatRole,
  houseRules: HouseRules | null | undefined,
  error: unknown = null,
) {
  return renderToStaticMarkup(
    h(HostForm, {
      role,
      defaults: DEFAULT_RULES,
      busy: false,
      error,
      onSubmit: () => {},
      houseRules,
      wearer: 'alice',
    }),
  );
}

/** The text of some HTML: blocks and line breaks end in a space, other tags dropped. */
function text(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(p|li|h\d|div|section|ul|ol)>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The notes the form shows under its rule inputs, in order. */
function notes(html: string): string[] {
  return [...html.matchAll(/data-testid="house-rule-note"[^>]*>(.*?)<\/small>/g)].map((m) =>
    text(m[1]!),
  );
}

/** The selected game and the games a wearer cannot pick. */
function games(html: string) {
  const options = [...html.matchAll(/<option ([^>]*)>(.*?)<\/option>/g)];
  return {
    selected: options.find((m) => m[1]!.includes('selected'))?.[1]?.match(/value="([^"]+)"/)?.[1],
    disabled: options.filter((m) => m[1]!.includes('disabled')).map((m) => text(m[2]!)),
  };
}

/** A server with the two example games, and a client of it. */
async function server(): Promise<{ target: Target; client: ReturnType<typeof createApiClient> }> {
  const target = await startTarget('sqlite', {
    games: [DiceDuel, VerifyCards],
    limits: TEST_LIMITS,
  });
  return { target, client: createApiClient({ baseUrl: target.urls[0]! }) };
}

/** What the untouched form sends for `game`. */
const untouched = (game: GameName, numPlayers: number) => ({
  game,
  numPlayers,
  rules: rulesOf(game, fieldsOf(game, DEFAULT_RULES)),
});

/** A refused call's error. */
async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('house rules in the host form', () => {
  it('without house rules the form says nothing of them', () => {
    for (const house of [undefined, null, {}]) {
      const html = hostForm('wearer', house);
      expect(html).not.toContain('data-testid="house-rules"');
      expect(notes(html)).toEqual([]);
      expect(games(html)).toEqual({ selected: GAME_NAMES[0], disabled: [] });
    }
  });

  it('a wearer sees, before submitting, what their house rules force; the server then forces exactly those and says why', async () => {
    const { target, client } = await server();
    const house: HouseRules = {
      allowedGames: ['verify-cards'],
      loserRequest: true,
      minRandomCheckChance: 0.2,
      maxCooldownSeconds: 30,
      minRequestsPerMatch: 2,
    };
    const lock = target.emulator.createLock({ config: house, wearerName: 'alice' });
    const me = await client.login(lock.tokens.wearer);
    expect(me.houseRules).toEqual(house);

    const html = hostForm(me.role, me.houseRules);
    // Dice Duel is not allowed: it cannot be picked, and Verify Cards is chosen.
    expect(games(html)).toEqual({
      selected: 'verify-cards',
      disabled: ['Dice Duel (not allowed by your keyholder)'],
    });
    const summary = text(/data-testid="house-rules">(.*?)<\/section>/.exec(html)![1]!);
    expect(summary).toContain("Your keyholder's house rules");
    expect(summary).toContain('Allowed games: Verify Cards.');
    expect(summary).toContain('Surprise check chance of at least 20%.');
    expect(summary).toContain('Cooldown of at most 30 s between two requests.');
    // Verify Cards has no loser; its default cap (5) already meets "at least 2".
    expect(notes(html)).toEqual([
      'Your keyholder requires a surprise check chance of at least 20%: 20% applies.',
      'Your keyholder requires a cooldown of at most 30 s: 30 s applies.',
    ]);
    // Each note is the accessible description of its input.
    expect(html).toMatch(/<input id="([^"]+-cooldown)"[^>]*aria-describedby="\1-note"/);

    const created = await client.withToken(me.token).rooms.create(untouched('verify-cards', 1));
    const forced = created.forced ?? [];
    expect(forced.map((f) => [f.rule, f.value]).sort()).toEqual([
      ['cooldownSeconds', 30],
      ['randomCheckChance', 0.2],
    ]);
    const feedback = renderToStaticMarkup(h(ForcedRules, { forced, joined: false }));
    expect(feedback).toContain('data-testid="forced-rules"');
    expect(text(feedback)).toContain("Your keyholder's house rules set this room's rules");
    const items = [...feedback.matchAll(/<li [^>]*data-rule="([^"]+)"[^>]*>(.*?)<\/li>/g)];
    const reason = (rule: string) => forced.find((f) => f.rule === rule)!.reason;
    expect(Object.fromEntries(items.map((m) => [m[1], text(m[2]!)]))).toEqual({
      cooldownSeconds: `Cooldown between two requests to a wearer: 30 s ${reason('cooldownSeconds')}`,
      randomCheckChance: `Surprise check chance per round: 20% ${reason('randomCheckChance')}`,
    });
    expect(text(feedback)).toContain('Your keyholder requires a cooldown of at most 30 s.');
  });

  it('a 409 game_not_allowed on hosting shows the server’s message and what to do', async () => {
    const { target, client } = await server();
    const lock = target.emulator.createLock({ config: { allowedGames: ['verify-cards'] } });
    const me = await client.login(lock.tokens.wearer);
    const error = await refusal(client.withToken(me.token).rooms.create(untouched('dice-duel', 2)));
    expect([error.status, error.code]).toEqual([409, 'game_not_allowed']);

    const html = hostForm(me.role, me.houseRules, error);
    const box = /<div [^>]*data-testid="house-rule-refusal"[^>]*>(.*?)<\/div>/.exec(html)!;
    expect(box[0]).toContain('role="alert"');
    expect(box[0]).toContain('data-code="game_not_allowed"');
    expect(text(box[1]!)).toBe(
      `${error.message} Choose a game your keyholder allows, or ask them to allow this one in the extension’s settings on Chaster.`,
    );
    expect(error.message).toContain('does not allow dice-duel');
  });

  it('a wearer whose keyholder allows no game cannot submit, and is told why', () => {
    const html = hostForm('wearer', { allowedGames: [] });
    expect(games(html).disabled).toHaveLength(GAME_NAMES.length);
    expect(html).toMatch(/<button type="submit" data-testid="host-submit" disabled="">/);
    expect(notes(html)).toEqual([
      'Your keyholder allows none of these games: ask them to allow one in the extension’s settings on Chaster.',
    ]);
  });

  it('a keyholder sees what their house rules will do to their wearer in the room', async () => {
    const { target, client } = await server();
    const house: HouseRules = {
      allowedGames: ['verify-cards'],
      maxCooldownSeconds: 30,
      loserRequest: true,
    };
    const lock = target.emulator.createLock({ config: house, wearerName: 'alice' });
    const me = await client.login(lock.tokens.keyholder!);
    expect([me.role, me.houseRules]).toEqual(['keyholder', house]);

    const html = hostForm(me.role, me.houseRules);
    // A keyholder may host any game, for other wearers too.
    expect(games(html)).toEqual({ selected: GAME_NAMES[0], disabled: [] });
    expect(text(/data-testid="house-rules">(.*?)<\/section>/.exec(html)![1]!)).toContain(
      'Your house rules for alice',
    );
    expect(notes(html)).toEqual([
      'Your house rules do not allow Dice Duel for alice: they cannot join this room.',
      "Your house rules require a cooldown of at most 30 s: alice's seat gets 30 s when they join.",
    ]);
    const loserOff = { ...house, allowedGames: undefined };
    const form = renderToStaticMarkup(
      h(HostForm, {
        role: 'keyholder',
        defaults: {
          ...DEFAULT_RULES,
          'dice-duel': { ...DEFAULT_RULES['dice-duel'], loserRequest: false },
        },
        busy: false,
        error: null,
        onSubmit: () => {},
        houseRules: loserOff,
        wearer: 'alice',
      }),
    );
    expect(notes(form)).toContain(
      'Your house rules require that the loser of a round is asked for a picture: alice cannot join a room with less.',
    );
    // A keyholder's own room is not bound by them: nothing is forced.
    const created = await client.withToken(me.token).rooms.create(untouched('dice-duel', 3));
    expect(created.forced).toBeUndefined();
  });
});

describe('house rules when joining', () => {
  it('a 409 house_rules_stricter on joining shows the server’s message and what to do; the room list said so first', async () => {
    const { target, client } = await server();
    const host = await client.login(target.emulator.createLock().tokens.wearer);
    const hostApi = client.withToken(host.token);
    const room = await hostApi.rooms.create(untouched('dice-duel', 3));
    const house: HouseRules = { minRandomCheckChance: 0.25 };
    const joiner = await client.login(target.emulator.createLock({ config: house }).tokens.wearer);
    const joinerApi = client.withToken(joiner.token);

    const listed = renderToStaticMarkup(
      h(RoomList, {
        rooms: await joinerApi.rooms.list(),
        role: 'wearer',
        username: joiner.user.username,
        houseRules: joiner.houseRules,
        joining: null,
        onJoin: () => {},
      }),
    );
    const block = /data-match-id="([^"]+)".*?data-testid="house-rule-block">(.*?)<\/p>/.exec(
      listed,
    )!;
    expect(block[1]).toBe(room.matchID);
    expect(text(block[2]!)).toBe(
      'Your keyholder requires a surprise check chance of at least 25%, more than this room: host your own room instead.',
    );

    const error = await refusal(joinerApi.rooms.join(room.matchID));
    expect([error.status, error.code]).toEqual([409, 'house_rules_stricter']);
    const html = renderToStaticMarkup(h(RoomRefusal, { error, during: 'join' }));
    expect(html).toContain('data-code="house_rules_stricter"');
    expect(text(html)).toBe(
      `${error.message} Host a room yourself instead: the host form applies your keyholder’s house rules to it.`,
    );

    // The host's own list shows nothing of it: they are not bound by the joiner's house rules.
    const hostList = renderToStaticMarkup(
      h(RoomList, {
        rooms: await hostApi.rooms.list(),
        role: 'wearer',
        username: host.user.username,
        houseRules: host.houseRules,
        joining: null,
        onJoin: () => {},
      }),
    );
    expect(hostList).not.toContain('house-rule-block');
  });

  it('a 409 game_not_allowed on joining shows the server’s message and what to do', async () => {
    const { target, client } = await server();
    const host = await client.login(target.emulator.createLock().tokens.wearer);
    const room = await client.withToken(host.token).rooms.create(untouched('dice-duel', 2));
    const joiner = await client.login(
      target.emulator.createLock({ config: { allowedGames: [] } }).tokens.wearer,
    );
    expect(joinBlock({ game: 'dice-duel', rules: {} }, joiner.houseRules)).toBe(
      'Your keyholder does not allow Dice Duel.',
    );
    const error = await refusal(client.withToken(joiner.token).rooms.join(room.matchID));
    expect([error.status, error.code]).toEqual([409, 'game_not_allowed']);
    const html = renderToStaticMarkup(h(RoomRefusal, { error, during: 'join' }));
    expect(html).toMatch(
      /role="alert" data-testid="house-rule-refusal" data-code="game_not_allowed"/,
    );
    expect(text(html)).toBe(
      `${error.message} Join or host a room of a game your keyholder allows, or ask them to allow this one in the extension’s settings on Chaster.`,
    );
  });

  it('another refusal (not a house rule) goes to the usual error box', () => {
    // The usual box reads the login (to offer signing in again), so it needs the provider.
    expect(() =>
      renderToStaticMarkup(
        h(RoomRefusal, {
          error: new ApiError(409, 'no_free_seat', 'This room has no free wearer seat.'),
          during: 'join',
        }),
      ),
    ).toThrow(/below <ChasterLoginProvider>/);
  });
});

describe('the form’s preview agrees with the server’s merge', () => {
  it('names exactly the rules the server forces, when the operator’s bounds do not interfere', () => {
    const houseRules = fc
      .record(
        {
          loserRequest: fc.boolean(),
          minRandomCheckChance: fc.double({ min: 0, max: 1, noNaN: true }),
          maxCooldownSeconds: fc.integer({ min: 0, max: 86_400 }),
          minRequestsPerMatch: fc.integer({ min: 0, max: 100 }),
          minKeyholderDemands: fc.integer({ min: 0, max: 5 }),
        },
        { requiredKeys: [] },
      )
      .filter((house) => HouseRulesSchema.safeParse(house).success);
    const roomRules = fc.record({
      cooldownSeconds: fc.integer({ min: 0, max: 86_400 }),
      maxRequestsPerMatch: fc.integer({ min: 0, max: 100 }),
      randomCheckChance: fc.double({ min: 0, max: 1, noNaN: true }),
      keyholderDemands: fc.integer({ min: 0, max: 5 }),
      loserRequest: fc.boolean(),
    });
    fc.assert(
      fc.property(houseRules, roomRules, (house, room) => {
        const bounds = { minCooldownSeconds: 0, maxRequestsPerMatch: 100 };
        const server = mergeHouseRules(room, house, bounds);
        const gaps = ruleGaps(room, house);
        expect(gaps.map((gap) => gap.rule).sort()).toEqual(Object.keys(server.reasons).sort());
        for (const gap of gaps) expect(server.rules[gap.rule]).toBe(gap.required);
      }),
    );
  });

  it('the form reads empty fields as the game’s defaults, as the server fills them in', () => {
    const fields = { ...fieldsOf('dice-duel', DEFAULT_RULES), cooldownSeconds: '' };
    expect(
      ruleNotes('dice-duel', fields, DEFAULT_RULES, { maxCooldownSeconds: 60 }, 'wearer', 'alice'),
    ).toEqual({
      cooldownSeconds: 'Your keyholder requires a cooldown of at most 60 s: 60 s applies.',
    });
    // What the server will refuse anyway (not a number) is left to its message.
    expect(
      ruleNotes(
        'dice-duel',
        { ...fields, cooldownSeconds: 'soon' },
        DEFAULT_RULES,
        { maxCooldownSeconds: 60 },
        'wearer',
        'alice',
      ),
    ).toEqual({});
  });
});
