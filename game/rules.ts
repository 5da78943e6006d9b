/**
 * Rules of the example games (zod schemas with defaults and one readable message per problem),
 * the `validateSetupData` of each game, and the few seat, event-log and scoring helpers both
 * games share. Browser-safe: the client imports this to prefill and check its rules form.
 */
import { ActivePlayers } from 'boardgame.io/core';
import { z } from 'zod';
import { seatArg } from '../src/plugin/index.js';
import type { MoveArgs, VerificationAPI } from '../src/plugin/index.js';
import type {
  CardKind,
  DiceDuelRules,
  GameEvent,
  GameSetupData,
  GameSummary,
  SeatRole,
  VerifyCardsRules,
} from './types.js';

// --- schemas -------------------------------------------------------------------------------

/** A whole-number rule whose message names the rule and its range, whatever is wrong with it. */
function wholeNumber(name: string, min: number, max: number, fallback: number) {
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .number({ error })
    .int({ error })
    .min(min, { error })
    .max(max, { error })
    .default(fallback);
}

/** A strict object: a typo in a rule name is an error, not a silently ignored key. */
function strictRules<Shape extends z.ZodRawShape>(shape: Shape, what: string, noun = 'rule') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown ${noun}${issue.keys.length === 1 ? '' : 's'} ${issue.keys
            .map((k) => JSON.stringify(k))
            .join(', ')} in ${what} (known: ${known})`
        : `${what} must be an object`,
  });
}

const commonShape = {
  cooldownSeconds: wholeNumber('cooldownSeconds', 0, 86_400, 120),
  maxRequestsPerMatch: wholeNumber('maxRequestsPerMatch', 0, 100, 5),
  randomCheckChance: z
    .number({ error: 'randomCheckChance must be a number from 0 to 1' })
    .min(0, { error: 'randomCheckChance must be a number from 0 to 1' })
    .max(1, { error: 'randomCheckChance must be a number from 0 to 1' })
    .default(0),
  keyholderDemands: wholeNumber('keyholderDemands', 0, 5, 1),
};

/** Card kinds of verify-cards, in the order forms and summaries list them. */
export const CARD_KINDS: readonly CardKind[] = ['safe', 'verify', 'skip', 'double', 'shield'];

/** Fewest and most cards a verify-cards deck may hold in total. */
export const DECK_TOTAL = { min: 1, max: 80 } as const;

const DeckSchema = strictRules(
  {
    safe: wholeNumber('deck.safe', 0, 30, 10),
    verify: wholeNumber('deck.verify', 0, 30, 4),
    skip: wholeNumber('deck.skip', 0, 30, 3),
    double: wholeNumber('deck.double', 0, 30, 3),
    shield: wholeNumber('deck.shield', 0, 30, 2),
  },
  'deck',
  'card kind',
)
  .superRefine((deck, ctx) => {
    const total = deckTotal(deck);
    if (total < DECK_TOTAL.min || total > DECK_TOTAL.max) {
      ctx.addIssue({
        code: 'custom',
        message: `the deck must hold ${DECK_TOTAL.min} to ${DECK_TOTAL.max} cards in total, these counts make ${total}`,
      });
    }
  })
  // prefault (not default) so a missing deck is parsed too and gets every per-kind default.
  .prefault({});

/** Host-chosen rules of dice-duel; every key is optional and has a default. */
export const DiceDuelRulesSchema = strictRules(
  {
    ...commonShape,
    rounds: wholeNumber('rounds', 1, 9, 3),
    loserRequest: z.boolean({ error: 'loserRequest must be true or false' }).default(true),
  },
  'dice-duel rules',
);

/** Host-chosen rules of verify-cards; every key (and every card kind) is optional and has a default. */
export const VerifyCardsRulesSchema = strictRules(
  { ...commonShape, deck: DeckSchema },
  'verify-cards rules',
);

/** What a host may send as dice-duel rules (before defaults). */
export type DiceDuelRulesInput = z.input<typeof DiceDuelRulesSchema>;
/** What a host may send as verify-cards rules (before defaults). */
export type VerifyCardsRulesInput = z.input<typeof VerifyCardsRulesSchema>;

/** Total number of cards a deck holds. */
export function deckTotal(deck: Readonly<Record<CardKind, number>>): number {
  return CARD_KINDS.reduce((sum, kind) => sum + deck[kind], 0);
}

function firstProblem(result: z.ZodSafeParseResult<unknown>): string | undefined {
  return result.success ? undefined : (result.error.issues[0]?.message ?? 'invalid rules');
}

// `undefined` means "all defaults": matches created without setupData (Local(), a debug client).
// `null` is not undefined: it is refused like any other non-object.
const orDefaults = (input: unknown) => (input === undefined ? {} : input);

/** The first problem with dice-duel rules as one readable sentence, or undefined if they are fine. */
export function checkDiceDuelRules(input: unknown): string | undefined {
  return firstProblem(DiceDuelRulesSchema.safeParse(orDefaults(input)));
}

/** The first problem with verify-cards rules as one readable sentence, or undefined if they are fine. */
export function checkVerifyCardsRules(input: unknown): string | undefined {
  return firstProblem(VerifyCardsRulesSchema.safeParse(orDefaults(input)));
}

/** Dice-duel rules with defaults filled in; throws a RangeError with the readable message if invalid. */
export function parseDiceDuelRules(input: unknown): DiceDuelRules {
  const result = DiceDuelRulesSchema.safeParse(orDefaults(input));
  if (!result.success) throw new RangeError(firstProblem(result));
  return result.data;
}

/** Verify-cards rules with defaults filled in; throws a RangeError with the readable message if invalid. */
export function parseVerifyCardsRules(input: unknown): VerifyCardsRules {
  const result = VerifyCardsRulesSchema.safeParse(orDefaults(input));
  if (!result.success) throw new RangeError(firstProblem(result));
  return result.data;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Dice-duel's default rules, to prefill a form (frozen: copy before editing). */
export const DEFAULT_DICE_DUEL_RULES: Readonly<DiceDuelRules> = deepFreeze(parseDiceDuelRules({}));

/** Verify-cards' default rules, to prefill a form (frozen, deck included: copy before editing). */
export const DEFAULT_VERIFY_CARDS_RULES: Readonly<Omit<VerifyCardsRules, 'deck'>> & {
  readonly deck: Readonly<Record<CardKind, number>>;
} = deepFreeze(parseVerifyCardsRules({}));

// --- seats and setupData -----------------------------------------------------------------

/** How many wearer seats a game allows. */
export const WEARER_SEATS = {
  'dice-duel': { min: 2, max: 6 },
  'verify-cards': { min: 1, max: 6 },
} as const;

const SeatsSchema = z.array(z.enum(['wearer', 'keyholder']));

/** The seats of a match: as sent, or every seat a wearer when there is no setupData. */
function seatsOf(setupData: unknown, numPlayers: number): unknown {
  if (setupData === undefined) return Array.from({ length: numPlayers }, () => 'wearer');
  return (setupData as { seats?: unknown }).seats;
}

function setupProblem(
  game: keyof typeof WEARER_SEATS,
  setupData: unknown,
  numPlayers: number,
  checkRules: (rules: unknown) => string | undefined,
): string | undefined {
  if (!Number.isInteger(numPlayers) || numPlayers < 1) {
    return `numPlayers must be a whole number of at least 1, got ${String(numPlayers)}`;
  }
  if (setupData !== undefined && (setupData === null || typeof setupData !== 'object')) {
    return 'setupData must be an object { rules, seats }';
  }
  const seats = SeatsSchema.safeParse(seatsOf(setupData, numPlayers));
  if (!seats.success) {
    return `seats must be a list with "wearer" or "keyholder" for each seat`;
  }
  if (seats.data.length !== numPlayers) {
    return `seats lists ${seats.data.length} seats but the match has ${numPlayers} players`;
  }
  const keyholders = seats.data.filter((s) => s === 'keyholder').length;
  if (keyholders > 1) {
    return `a room may have at most one keyholder seat, this one has ${keyholders}`;
  }
  const wearers = seats.data.length - keyholders;
  const { min, max } = WEARER_SEATS[game];
  if (wearers < min || wearers > max) {
    return `${game} needs ${min} to ${max} wearer seats, this room has ${wearers}`;
  }
  return checkRules((setupData as { rules?: unknown } | undefined)?.rules);
}

/** `validateSetupData` of dice-duel: one readable message for the first problem, or undefined. */
export function validateDiceDuelSetup(setupData: unknown, numPlayers: number): string | undefined {
  return setupProblem('dice-duel', setupData, numPlayers, checkDiceDuelRules);
}

/** `validateSetupData` of verify-cards: one readable message for the first problem, or undefined. */
export function validateVerifyCardsSetup(
  setupData: unknown,
  numPlayers: number,
): string | undefined {
  return setupProblem('verify-cards', setupData, numPlayers, checkVerifyCardsRules);
}

/**
 * Validated rules and seats for `setup`. boardgame.io's clients call `setup` without ever running
 * `validateSetupData`, so setup checks again and throws rather than start a broken match.
 */
export function readSetup<Rules>(
  game: keyof typeof WEARER_SEATS,
  setupData: GameSetupData<unknown> | undefined,
  numPlayers: number,
  validate: (setupData: unknown, numPlayers: number) => string | undefined,
  parse: (input: unknown) => Rules,
): { rules: Rules; seats: SeatRole[] } {
  const problem = validate(setupData, numPlayers);
  if (problem !== undefined) throw new RangeError(`${game}: ${problem}`);
  return {
    rules: parse(setupData?.rules),
    seats: [...(seatsOf(setupData, numPlayers) as SeatRole[])],
  };
}

// --- shared by both games: seats, labels, the event log, requests, scoring ----------------

/** How events name a seat; the client swaps in player names by `playerID`. */
export function playerLabel(playerID: string): string {
  return `Player ${Number(playerID) + 1}`;
}

/** Wearer seats (playerIDs) in seat order. */
export function wearerSeats(seats: readonly SeatRole[]): string[] {
  return seats.flatMap((role, i) => (role === 'wearer' ? [String(i)] : []));
}

/** Whether `value` (an untrusted move argument) is the playerID of a seat with `role`. */
export function isSeat(seats: readonly SeatRole[], value: unknown, role: SeatRole): boolean {
  return (
    typeof value === 'string' && /^(0|[1-9]\d{0,2})$/.test(value) && seats[Number(value)] === role
  );
}

/**
 * Turn and events of both games: every seat is active at any time, the turn never ends, and no
 * client may send an event.
 */
export const OPEN_TABLE = {
  turn: { activePlayers: ActivePlayers.ALL },
  events: {
    endTurn: false,
    endPhase: false,
    setPhase: false,
    endGame: false,
    setActivePlayers: false,
    endStage: false,
    setStage: false,
    pass: false,
  },
};

/** Most events G keeps: the whole state goes to every client on every move. */
export const MAX_EVENTS = 300;

/** Appends one event to the log, numbering it after the last one and dropping the oldest past the cap. */
export function pushEvent(
  events: GameEvent[],
  kind: GameEvent['kind'],
  text: string,
  playerID?: string,
): void {
  const n = (events[events.length - 1]?.n ?? 0) + 1;
  events.push(playerID === undefined ? { n, kind, text } : { n, kind, text, playerID });
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
}

/** The parts of both games' state the shared request helpers touch. */
export interface RequestLog {
  events: GameEvent[];
  requests?: number;
}

/** Records one verification request, counts it and logs it. */
export function recordRequest(
  G: RequestLog,
  verification: VerificationAPI,
  request: { player: string; reason: string; by?: 'self' },
  event: { kind: GameEvent['kind']; text: string },
): void {
  verification.request(request);
  G.requests = (G.requests ?? 0) + 1;
  pushEvent(G.events, event.kind, event.text, request.player);
}

/** What the random check needs from the random plugin. */
export interface RandomCheckDice {
  Number(): number;
  Die(spotvalue?: number): number;
}

/**
 * With probability `chance`, asks one random wearer for a picture. Chance 0 draws nothing, so
 * turning the check off leaves every later roll and shuffle as it was.
 */
export function randomCheck(
  G: RequestLog,
  random: RandomCheckDice,
  verification: VerificationAPI,
  chance: number,
  wearers: readonly string[],
): void {
  if (chance <= 0 || wearers.length === 0 || !(random.Number() < chance)) return;
  const player = wearers[random.Die(wearers.length) - 1];
  if (player === undefined) return;
  recordRequest(
    G,
    verification,
    { player, reason: 'random check' },
    {
      kind: 'request',
      text: `Random check: ${playerLabel(player)} is asked for a verification picture`,
    },
  );
}

/**
 * The end-of-game summary: one line per wearer, winners those with the lowest value (ties broken
 * by `tieBreak`, highest first). A full tie between two or more wearers has no winners.
 */
export function summarise(
  G: RequestLog,
  wearers: readonly string[],
  value: (playerID: string) => number,
  tieBreak: (playerID: string) => number = () => 0,
): GameSummary {
  const lines = wearers.map((playerID) => ({
    playerID,
    label: playerLabel(playerID),
    value: value(playerID),
  }));
  const score = (id: string): [number, number] => [value(id), -tieBreak(id)];
  const best = wearers.reduce<[number, number] | null>((b, id) => {
    const s = score(id);
    return b === null || s[0] < b[0] || (s[0] === b[0] && s[1] < b[1]) ? s : b;
  }, null);
  const winners =
    best === null
      ? []
      : wearers.filter((id) => {
          const s = score(id);
          return s[0] === best[0] && s[1] === best[1];
        });
  return {
    winners: winners.length === wearers.length && wearers.length > 1 ? [] : winners,
    lines,
    requests: G.requests ?? 0,
  };
}

/** "Player 1", "Player 1 and Player 3", "Player 1, Player 2 and Player 4". */
export function listLabels(playerIDs: readonly string[]): string {
  const labels = playerIDs.map(playerLabel);
  return labels.length <= 1
    ? (labels[0] ?? 'nobody')
    : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** The game-over line of the event log. */
export function gameOverText(summary: GameSummary): string {
  if (summary.winners.length === 0) return 'Game over: a draw';
  return `Game over: ${listLabels(summary.winners)} ${summary.winners.length === 1 ? 'wins' : 'win'}`;
}

/** The parts of both games' state `demand` and `volunteer` need. */
export interface SeatedState extends RequestLog {
  seats: SeatRole[];
  demandsLeft: number;
  volunteered: Record<string, boolean>;
}

/** The arguments of `demand(target)`: one seat. Both games' other moves take none. */
export const DEMAND_MOVE_ARGS: MoveArgs = { demand: z.tuple([seatArg]) };

/**
 * `demand(target)`, shared by both games: the keyholder seat asks its wearer for a picture
 * (`by: 'self'`, so the server sends it as the keyholder and checks the target is theirs).
 * Returns false when the move is not allowed.
 */
export function demand(
  G: SeatedState,
  playerID: string,
  target: unknown,
  verification: VerificationAPI,
): boolean {
  if (!isSeat(G.seats, playerID, 'keyholder') || G.demandsLeft <= 0) return false;
  if (!isSeat(G.seats, target, 'wearer')) return false;
  const player = target as string;
  G.demandsLeft -= 1;
  recordRequest(
    G,
    verification,
    { player, reason: 'keyholder demand', by: 'self' },
    {
      kind: 'demand',
      text: `${playerLabel(playerID)} (keyholder) demands a verification picture from ${playerLabel(player)}`,
    },
  );
  return true;
}

/**
 * `volunteer()`, shared by both games: a wearer asks for their own picture, once per round
 * (`by: 'self'`: the server sends it as the wearer). The caller grants the reward.
 * Returns false when the move is not allowed.
 */
export function volunteer(
  G: SeatedState,
  playerID: string,
  verification: VerificationAPI,
  reward: string,
): boolean {
  if (!isSeat(G.seats, playerID, 'wearer') || G.volunteered[playerID]) return false;
  G.volunteered[playerID] = true;
  recordRequest(
    G,
    verification,
    { player: playerID, reason: 'volunteered', by: 'self' },
    {
      kind: 'volunteer',
      text: `${playerLabel(playerID)} volunteers for a verification picture (${reward})`,
    },
  );
  return true;
}
