/**
 * The game server's HTTP API (docs/server.md; limits in docs/security.md): logins from a Chaster mainToken, rooms
 * and seats bound to Chaster sessions, the verification status feed (JSON and SSE), the
 * configuration page's house rules, Chaster webhooks and health. boardgame.io's own Lobby routes are not served at all (see game-server.ts).
 * Request bodies are parsed, and answers typed, with the contract in `src/api`, which
 * `bgio-chaster/client` checks them against: a change here that breaks it fails typecheck.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Server as ServerTypes, StorageAPI } from 'boardgame.io';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  CreateRoomBodySchema,
  FEED_EVENTS,
  LastEventIdSchema,
  LoginBodySchema,
  MAX_HISTORY_MATCHES,
  MatchIDSchema,
  PartnerConfigurationTokenSchema,
  feedEventId,
} from '../api/index.js';
import type {
  ApiErrorBody,
  ConfigurationAnswer,
  CreatedRoom,
  HistoryAnswer,
  LoginAnswer,
  LogoutAnswer,
  Room,
  RoomList,
  RoomPolicyRules,
  SandboxSubmitAnswer,
  SeatGrant,
  VerificationList,
} from '../api/index.js';
import { HouseRulesSchema } from '../api/house-rules.js';
import type { HouseRules } from '../api/house-rules.js';
import type { ForcedRule } from '../api/rooms.js';
import { ChasterArgumentError, ChasterError } from '../chaster/index.js';
import type { ChasterClient, ChasterConfiguration } from '../chaster/index.js';
import {
  TOKEN_TTL_MS,
  randomId,
  safeEqual,
  seatCredentials,
  signToken,
  verifyToken,
} from './auth.js';
import type { SeatCheck } from './auth.js';
import { createMatch } from './bgio.js';
import type { AnyGame } from './bgio.js';
import type { Login, Repository, RoomPolicy, SeatBinding } from './db/types.js';
import type { VerificationFeed } from './feed.js';
import type { Limits } from './limits.js';
import { HttpError, parseWith, readJson } from './http.js';
import { gameAllowed, mergeHouseRules } from './house-rules.js';
import type { BindingRules, BoundRule } from './house-rules.js';
import { matchResult } from './outbox/history-log.js';
import { toVerificationStatus } from './outbox/types.js';
import type { VerificationStatus } from './outbox/types.js';
import type { SeatRole } from '../plugin/index.js';
import type { WithDefaultRules } from '../plugin/types.js';

/** What every game on this server receives as `setupData`. */
export interface RoomSetupData {
  /** The host's rules (validated by the game's `validateSetupData`), with the policy defaults filled in. */
  rules: Record<string, unknown> & RoomPolicyRules;
  /** Role of each seat, by playerID. */
  seats: SeatRole[];
}

/** The delivery-policy part of every room's rules (defined by the API contract). */
export type { RoomPolicyRules } from '../api/index.js';

const WebhookBody = z.looseObject({
  event: z.string().max(128),
  data: z.looseObject({}),
  sentAt: z.string().max(64).optional(),
  requestId: z.string().min(1).max(128),
});
const SubmittedData = z.looseObject({
  sessionId: z.string().min(1).max(128),
  actionLog: z.looseObject({
    type: z.literal('verification_picture_submitted'),
    // When the picture was submitted: it answers only the requests delivered before then.
    createdAt: z.iso.datetime({ offset: true }),
  }),
});

/** What the routes need. */
export interface ApiDeps {
  games: AnyGame[];
  db: StorageAPI.Sync | StorageAPI.Async;
  repository: Repository;
  /** Told when a seat's credentials are replaced, so the old ones stop passing at once. */
  seatCheck?: Pick<SeatCheck, 'forget'>;
  chaster: Pick<ChasterClient, 'getSessionAuth' | 'getConfiguration' | 'updateConfiguration'>;
  secret: string;
  feed: VerificationFeed;
  webhook?: { user: string; password: string };
  /** Sandbox mode: answers a Chaster session's pending picture request as a submitted picture. */
  sandbox?: { submitPicture(sessionId: string): Promise<unknown> };
  healthy: () => Promise<boolean>;
  /** Rates, stream slots and room limits. */
  limits: Limits;
  /** Spends a token of the Chaster budget the deliveries use: 0, or the ms until one is free. */
  spendChasterToken?: () => Promise<number>;
  logger?: Logger;
  now?: () => number;
}

/**
 * How much earlier than its `Last-Event-ID` a resumed feed starts. A row's `updatedAt` is taken
 * before its transaction commits, possibly on another instance, so a change the client has not
 * seen may carry a time a little before the last one it saw; repeating a few statuses is harmless.
 */
const RESUME_OVERLAP_MS = 10_000;

/**
 * Most refused mainTokens and configuration tokens remembered (each for `REFUSAL_TTL_MS`), so
 * retries do not reach Chaster.
 */
const MAX_REMEMBERED_REFUSALS = 10_000;
const REFUSAL_TTL_MS = 60_000;

/** A configuration save's body: `{config}`; the config itself is checked as house rules after. */
const SaveEnvelope = z.strictObject({ config: z.unknown() });

/** Koa middleware serving `/api/*` and `/healthz`. */
export function apiRoutes(deps: ApiDeps) {
  const { db, repository, feed, logger, limits } = deps;
  const now = deps.now ?? Date.now;
  /** mainTokens and configuration tokens (by hash) Chaster refused lately, with the answer given then. */
  const refusals = new Map<string, { until: number; error: HttpError }>();

  /** The key a token's refusal is remembered under: its hash, its `kind` keeping kinds apart. */
  function refusalKey(kind: 'login' | 'configuration', token: string): string {
    return `${kind}:${createHash('sha256').update(token).digest('base64url')}`;
  }

  /** Remembers Chaster's refusal of a token for `REFUSAL_TTL_MS`, the oldest making way. */
  function rememberRefusal(key: string, error: HttpError): void {
    if (refusals.size >= MAX_REMEMBERED_REFUSALS) refusals.delete(refusals.keys().next().value!);
    refusals.set(key, { until: now() + REFUSAL_TTL_MS, error });
  }

  /** Throws the answer Chaster's refusal of this token got lately, if it did. */
  function refuseAgain(key: string): void {
    const refused = refusals.get(key);
    if (refused && refused.until > now()) throw refused.error;
  }

  /** Spends a token of the Chaster budget, or answers 503 `chaster_budget_spent` with the wait. */
  async function spendChasterBudget(): Promise<void> {
    const wait = (await deps.spendChasterToken?.()) ?? 0;
    if (wait <= 0) return;
    const busy = new HttpError(
      503,
      'chaster_budget_spent',
      `This server has used its Chaster budget for the moment; try again in ${Math.ceil(wait / 1000)} s.`,
    );
    busy.headers = { 'retry-after': String(Math.ceil(wait / 1000)) };
    throw busy;
  }
  /** This instance's open streams by login, so a logout ends them at once. */
  const streamsByLogin = new Map<string, Set<() => void>>();
  const games = new Map(deps.games.map((g) => [g.name!, g]));

  /** The caller's login; each call counts against the user's rate unless `counted` is false. */
  async function authenticate(ctx: Context, { counted = true } = {}): Promise<Login> {
    const header = ctx.get('authorization');
    const m = header.match(/^Bearer ([A-Za-z0-9._-]{1,1024})$/);
    if (!m) {
      throw new HttpError(
        401,
        'unauthorized',
        'Send Authorization: Bearer <token>, the token from POST /api/login.',
      );
    }
    const verdict = verifyToken(deps.secret, m[1]!, now());
    if (!verdict.ok) {
      throw verdict.problem === 'expired'
        ? new HttpError(
            401,
            'token_expired',
            'Your login has expired: open the game again from Chaster.',
          )
        : new HttpError(
            401,
            'unauthorized',
            'This token is not valid: open the game again from Chaster.',
          );
    }
    const login = await repository.getLogin(verdict.payload.login);
    if (!login || login.expiresAt <= now()) {
      throw new HttpError(
        401,
        'token_expired',
        'Your login has expired: open the game again from Chaster.',
      );
    }
    // Every signed-in call costs the server reads (a room list fetches up to 50 matches): one user
    // may not take it all.
    if (counted) await limits.callsByUser.consume(login.userId);
    return login;
  }

  async function metadataOf(matchID: string): Promise<ServerTypes.MatchData> {
    const { metadata } = await db.fetch(matchID, { metadata: true });
    if (!metadata) throw new HttpError(404, 'room_not_found', `There is no room ${matchID}.`);
    return metadata;
  }

  async function createLogin(ctx: Context) {
    await limits.loginsByAddress.consume(addressKey(ctx.ip));
    const { mainToken } = parseWith(LoginBodySchema, await readJson(ctx));
    const key = refusalKey('login', mainToken);
    refuseAgain(key);
    await limits.logins.consume('all');
    await spendChasterBudget();
    let auth;
    try {
      auth = await deps.chaster.getSessionAuth(mainToken);
    } catch (error) {
      const answer = chasterHttpError(error, logger);
      if (answer.status === 401) rememberRefusal(key, answer);
      throw answer;
    }
    const lock = auth.lockForUser;
    const user =
      auth.role === 'wearer'
        ? lock.user
        : (lock.keyholder ?? { _id: auth.userId, username: 'keyholder' });
    const createdAt = now();
    const login: Login = {
      id: randomId(),
      sessionId: auth.session.sessionId,
      role: auth.role,
      userId: auth.userId,
      username: user.username,
      lockId: lock._id,
      lockTitle: lock.title,
      createdAt,
      expiresAt: createdAt + TOKEN_TTL_MS,
      // Read now and kept with the login, never polled (a Chaster call costs budget): a save on
      // the configuration page updates them (`setHouseRules`).
      houseRules: readHouseRules(auth.session.config, logger),
    };
    await repository.createLogin(login);
    ctx.status = 201;
    ctx.body = {
      token: signToken(deps.secret, { login: login.id, exp: login.expiresAt }),
      expiresAt: new Date(login.expiresAt).toISOString(),
      role: auth.role,
      user: { id: auth.userId, username: user.username },
      lock: {
        id: lock._id,
        title: lock.title,
        status: lock.status,
        wearer: lock.user.username,
        keyholder: lock.keyholder?.username ?? null,
        verificationPicture: (lock.extensions ?? []).some((e) => e.slug === 'verification-picture'),
      },
      houseRules: login.houseRules ?? null,
      ...(deps.sandbox ? { sandbox: true } : {}),
    } satisfies LoginAnswer;
  }

  /**
   * `GET` and `PUT /api/configurations/:token`: the configuration page reads or saves the lock's
   * house rules with Chaster's partnerConfigurationToken. No login of ours: the token is the
   * proof, and Chaster judges it. Each call reaches Chaster, so it is counted per address and in
   * all and spends the Chaster budget; a token Chaster does not know is remembered a while.
   */
  async function configuration(ctx: Context, rawToken: string, save: boolean) {
    await limits.configurationsByAddress.consume(addressKey(ctx.ip));
    const token = parseWith(PartnerConfigurationTokenSchema, rawToken, 'configuration token');
    const config = save ? houseRulesToSave(await readJson(ctx)) : undefined;
    const key = refusalKey('configuration', token);
    refuseAgain(key);
    await limits.configurations.consume('all');
    await spendChasterBudget();
    let answer: ChasterConfiguration;
    try {
      answer = config
        ? await deps.chaster.updateConfiguration(token, config)
        : await deps.chaster.getConfiguration(token);
    } catch (error) {
      const refusal = configurationHttpError(error, save, logger);
      if (refusal.code === 'configuration_not_found') rememberRefusal(key, refusal);
      throw refusal;
    }
    // Saved rules bind the wearer's logins at once, not from their next page load: our page is
    // the only way to change the extension's config on a running lock.
    if (config && typeof answer.sessionId === 'string') {
      await repository.setHouseRules(answer.sessionId, readHouseRules(answer.config, logger));
    }
    ctx.body = {
      ...houseRulesView(answer.config, logger),
      role: answer.role,
      // Chaster lets only the keyholder change a running lock's configuration; before a lock
      // starts (no session yet) the page is its creator's, a wearer making a self-lock included.
      canSave: answer.role === 'keyholder' || answer.sessionId === null,
      games: [...games.keys()],
      serverLimits: {
        minCooldownSeconds: limits.settings.minCooldownSeconds,
        maxRequestsPerMatch: limits.settings.maxRequestsPerMatch,
      },
    } satisfies ConfigurationAnswer;
  }

  /** `DELETE /api/login`: the caller's login ends now, on every instance (and its streams). */
  async function deleteLogin(ctx: Context) {
    // Logging out is never refused for calling too often: a user must always be able to end a token.
    const caller = await authenticate(ctx, { counted: false });
    await repository.revokeLogin(caller.id);
    for (const end of streamsByLogin.get(caller.id) ?? []) end();
    ctx.body = { ok: true } satisfies LogoutAnswer;
  }

  /**
   * The room's delivery policy within the operator's bounds: a host who asks for more gets a 400
   * naming the bound; a rule left out (its default) is moved within it.
   */
  function withinLimits(rules: RoomPolicyRules, given: unknown): void {
    const { minCooldownSeconds, maxRequestsPerMatch } = limits.settings;
    const bounds = [
      ['cooldownSeconds', 'at least', minCooldownSeconds, 'below_server_limit'],
      ['maxRequestsPerMatch', 'at most', maxRequestsPerMatch, 'above_server_limit'],
    ] as const;
    for (const [name, side, bound, code] of bounds) {
      const beyond = side === 'at least' ? rules[name] < bound : rules[name] > bound;
      if (!beyond) continue;
      if (typeof given === 'object' && given !== null && Object.hasOwn(given, name)) {
        throw new HttpError(400, code, `This server requires ${name} of ${side} ${bound}.`);
      }
      rules[name] = bound;
    }
  }

  /** The caller's house rules when they bind: a wearer's. A keyholder's lock binds nothing alone. */
  function houseRulesOf(caller: Login): HouseRules | undefined {
    return caller.role === 'wearer' ? (caller.houseRules ?? undefined) : undefined;
  }

  /**
   * 409 `house_rules_stricter` when the caller's keyholder requires demands per match in a game
   * that has them, and the room has no keyholder seat to play them from: a rule nobody can use
   * would bind nothing.
   */
  function refuseWithoutKeyholderSeat(
    house: HouseRules,
    rules: Record<string, unknown>,
    seats: readonly SeatRole[],
    what: string,
    bound: readonly SeatBinding[] = [],
    lockId?: string,
  ): void {
    const demands = house.minKeyholderDemands ?? 0;
    if (demands === 0 || typeof rules.keyholderDemands !== 'number') return;
    // A keyholder seat still free, or held by the wearer's own keyholder (the same lock).
    const open = seats.some((role, i) => {
      if (role !== 'keyholder') return false;
      const holder = bound.find((b) => b.playerID === String(i));
      return holder === undefined || holder.lockId === lockId;
    });
    if (open) return;
    throw new HttpError(
      409,
      'house_rules_stricter',
      `Your keyholder requires at least ${demands} keyholder ${demands === 1 ? 'demand' : 'demands'} per match, and ${what} has no keyholder seat to play them from: ${what === 'this room' ? 'join or host a room with one' : 'reserve a seat for a keyholder'}.`,
    );
  }

  /**
   * 409 `house_rules_stricter` when a keyholder of another lock would take the keyholder seat
   * that a seated wearer's house rules keep for their own keyholder (they require demands).
   */
  async function refuseForeignKeyholder(caller: Login, bound: readonly SeatBinding[]) {
    for (const seat of bound) {
      if (seat.role !== 'wearer' || seat.lockId === caller.lockId) continue;
      const wearer = await repository.getLogin(seat.loginId);
      if ((wearer?.houseRules?.minKeyholderDemands ?? 0) > 0) {
        throw new HttpError(
          409,
          'house_rules_stricter',
          "A wearer in this room requires their own keyholder's demands: its keyholder seat is kept for their keyholder.",
        );
      }
    }
  }

  /** 409 `game_not_allowed` when the caller's keyholder did not allow `game`. */
  function refuseGame(house: HouseRules, game: string): void {
    const allowance = gameAllowed(house, game);
    if (!allowance.allowed) throw new HttpError(409, 'game_not_allowed', allowance.reason);
  }

  /**
   * What binds a wearer joining a room made already: the game must be allowed; a room-wide game
   * rule their house rules would tighten refuses the join (409 `house_rules_stricter`: the match
   * was set up with the room's, and it may have started); a tighter cooldown or cap becomes their
   * seat's own policy: the cooldown is checked per target wearer, and a request to them is checked
   * against their own cap — counted, like every cap, over all the match's requests.
   */
  function joinerBinding(
    caller: Login,
    metadata: ServerTypes.MatchData,
    bound: readonly SeatBinding[],
  ): { rules: BindingRules; policy: RoomPolicy | null } | undefined {
    const house = houseRulesOf(caller);
    if (!house) return undefined;
    refuseGame(house, metadata.gameName);
    const room = (metadata.setupData as RoomSetupData | undefined)?.rules;
    if (!room) return undefined;
    const rules = mergeHouseRules(room, house, limits.settings);
    const roomWide = ROOM_WIDE_RULES.flatMap((rule) => rules.reasons[rule] ?? []);
    if (roomWide.length > 0) {
      throw new HttpError(
        409,
        'house_rules_stricter',
        `${roomWide.join(' ')} This room's game rules are fixed when it is made: host a new room with those rules.`,
      );
    }
    refuseWithoutKeyholderSeat(house, room, seatRoles(metadata), 'this room', bound, caller.lockId);
    const tighter =
      rules.reasons.cooldownSeconds !== undefined ||
      rules.reasons.maxRequestsPerMatch !== undefined;
    return { rules, policy: tighter ? roomPolicy(rules.rules) : null };
  }

  async function createRoom(ctx: Context) {
    const caller = await authenticate(ctx);
    const raw = await readJson(ctx);
    const body = parseWith(CreateRoomBodySchema, raw);
    withinLimits(body.rules, (raw as { rules?: unknown }).rules);
    const game = games.get(body.game);
    if (!game) {
      throw new HttpError(
        400,
        'unknown_game',
        `There is no game "${body.game}". Games: ${[...games.keys()].join(', ')}.`,
      );
    }
    const house = houseRulesOf(caller);
    if (house) refuseGame(house, body.game);
    const keyholderSeat = body.keyholderSeat ?? caller.role === 'keyholder';
    const seats: SeatRole[] = Array.from({ length: body.numPlayers }, () => 'wearer');
    if (keyholderSeat) seats[caller.role === 'keyholder' ? 0 : body.numPlayers - 1] = 'keyholder';
    const host = seats.indexOf(caller.role);
    if (host === -1) {
      throw new HttpError(
        400,
        'no_seat_for_host',
        `This room has no ${caller.role} seat for you; change numPlayers or keyholderSeat.`,
      );
    }
    // The game's defaults under the host's rules: a house rule tightens only a rule they contain.
    const given = { ...(game as WithDefaultRules).defaultRules, ...body.rules };
    const binding = house ? mergeHouseRules(given, house, limits.settings) : undefined;
    const rules = binding?.rules ?? given;
    if (house) refuseWithoutKeyholderSeat(house, rules, seats, 'the room');
    const setupData: RoomSetupData = { rules, seats };
    // boardgame.io would seed the dice with Date.now(), which the room's createdAt gives away.
    const seeded = { ...game, seed: randomBytes(32).toString('base64url') };
    const match = createMatch({
      game: seeded,
      numPlayers: body.numPlayers,
      setupData,
      unlisted: false,
    });
    if ('setupDataError' in match) {
      throw new HttpError(400, 'invalid_rules', String(match.setupDataError));
    }
    // Only a valid room counts against the host's rate: a typo in the rules costs no quota.
    await limits.roomsByUser.consume(caller.userId);
    const tooMany = (open: number) =>
      new HttpError(
        429,
        'too_many_rooms',
        `You already host ${open} open rooms (at most ${limits.settings.openRoomsPerUser}); finish one first.`,
      );
    const open = await repository.openRoomsHostedBy(caller.userId);
    if (open >= limits.settings.openRoomsPerUser) throw tooMany(open);
    const matchID = randomId(8);
    await db.createMatch(matchID, match);
    await repository.createRoom(matchID, roomPolicy(rules), now(), caller.userId);
    // Counted again now that the room exists: of creates racing on several instances, those
    // that went over the cap take their room back (all of them, at worst), so it always holds.
    const after = await repository.openRoomsHostedBy(caller.userId);
    if (after > limits.settings.openRoomsPerUser) {
      await repository.removeRoom(matchID);
      await db.wipe(matchID);
      throw tooMany(after - 1);
    }
    const seat = await takeSeat(matchID, String(host), caller, null);
    // Nobody else knows this room yet, so its host's seat is free.
    if (!seat) throw new Error(`the host's seat in the new room ${matchID} was taken`);
    ctx.status = 201;
    ctx.body = { matchID, ...seat, ...forcedOf(binding) } satisfies CreatedRoom;
  }

  /**
   * Binds a free seat to the caller; `policy` is the seat's own delivery policy (its wearer's
   * house rules), null for the room's.
   */
  async function takeSeat(
    matchID: string,
    playerID: string,
    caller: Login,
    policy: RoomPolicy | null,
  ): Promise<SeatGrant | undefined> {
    const { credentials, hash } = seatCredentials(matchID, playerID);
    const bound = await repository.bindSeat(
      {
        matchID,
        playerID,
        loginId: caller.id,
        sessionId: caller.sessionId,
        role: caller.role,
        userId: caller.userId,
        lockId: caller.lockId,
        credentialsHash: hash,
        policy,
      },
      now(),
    );
    if (!bound) return undefined;
    // The name is for the lobby list only; who sits where is the seats table's business.
    const metadata = await metadataOf(matchID);
    const player = metadata.players[Number(playerID)];
    if (player) player.name = caller.username;
    await db.setMetadata(matchID, metadata);
    return { playerID, credentials };
  }

  /** The caller's seat again, with fresh credentials (another device, a reload, a finished game). */
  async function rejoin(ctx: Context, matchID: string, mine: SeatBinding) {
    const { credentials, hash } = seatCredentials(matchID, mine.playerID);
    await repository.replaceSeatCredentials(matchID, mine.playerID, hash);
    deps.seatCheck?.forget(matchID, mine.playerID);
    ctx.body = { playerID: mine.playerID, credentials } satisfies SeatGrant;
  }

  async function joinRoom(ctx: Context, matchID: string) {
    const caller = await authenticate(ctx);
    await readJson(ctx);
    const metadata = await metadataOf(matchID);
    const seats = await repository.seatsOf(matchID);
    const mine = seats.find((s) => isCallersSeat(s, caller));
    if (mine) return rejoin(ctx, matchID, mine);
    if (metadata.gameover !== undefined && metadata.gameover !== null) {
      throw new HttpError(409, 'game_over', 'This game is over; host a new room.');
    }
    const binding = joinerBinding(caller, metadata, seats);
    if (caller.role === 'keyholder') await refuseForeignKeyholder(caller, seats);
    const roles = seatRoles(metadata);
    for (let i = 0; i < roles.length; i++) {
      if (roles[i] !== caller.role || seats.some((s) => s.playerID === String(i))) continue;
      const seat = await takeSeat(matchID, String(i), caller, binding?.policy ?? null);
      if (seat) {
        ctx.body = { ...seat, ...forcedOf(binding?.rules) } satisfies SeatGrant;
        return;
      }
      // A join of the same login that raced this one took a seat first: one seat per player.
      const raced = (await repository.seatsOf(matchID)).find((s) => isCallersSeat(s, caller));
      if (raced) return rejoin(ctx, matchID, raced);
    }
    throw new HttpError(409, 'no_free_seat', `This room has no free ${caller.role} seat.`);
  }

  async function roomView(matchID: string, metadata: ServerTypes.MatchData): Promise<Room> {
    const seats = await repository.seatsOf(matchID);
    return {
      matchID,
      game: metadata.gameName,
      rules: (metadata.setupData as RoomSetupData | undefined)?.rules ?? {},
      gameover: metadata.gameover ?? null,
      createdAt: new Date(metadata.createdAt).toISOString(),
      seats: seatRoles(metadata).map((role, i) => ({
        playerID: String(i),
        role,
        name: seats.find((s) => s.playerID === String(i))
          ? (metadata.players[i]?.name ?? null)
          : null,
        taken: seats.some((s) => s.playerID === String(i)),
      })),
    } satisfies Room;
  }

  async function getRoom(ctx: Context, matchID: string) {
    await authenticate(ctx);
    ctx.body = await roomView(matchID, await metadataOf(matchID));
  }

  /** Open rooms (not over), newest first, for the lobby list. */
  async function listRooms(ctx: Context) {
    await authenticate(ctx);
    const ids = (await db.listMatches({ where: { isGameover: false } })).slice(-50).reverse();
    const rooms: Room[] = [];
    for (const matchID of ids) {
      const { metadata } = await db.fetch(matchID, { metadata: true });
      if (metadata && games.has(metadata.gameName)) rooms.push(await roomView(matchID, metadata));
    }
    ctx.body = { rooms } satisfies RoomList;
  }

  /**
   * `GET /api/history`: the recent matches of the caller's lock's wearer, for that lock's
   * keyholder (and the wearer), even in rooms the keyholder never sat in: the game, the wearer's
   * result and every request made to them. Nothing of the other seats.
   */
  async function history(ctx: Context) {
    const caller = await authenticate(ctx);
    const matches = await repository.wearerMatches(caller.lockId, MAX_HISTORY_MATCHES);
    ctx.body = {
      lockTitle: caller.lockTitle,
      matches: matches.map((m) => ({
        matchID: m.matchID,
        game: m.gameName,
        playerID: m.playerID,
        result: matchResult(m.gameover, m.playerID),
        startedAt: new Date(m.startedAt).toISOString(),
        updatedAt: new Date(m.updatedAt).toISOString(),
        requests: m.requests.map(toVerificationStatus),
      })),
    } satisfies HistoryAnswer;
  }

  /**
   * Sandbox mode only: the caller, seated as a wearer, submits the picture their pending request
   * asks for, as they would in Chaster; the emulator then posts the webhook that marks it.
   */
  async function sandboxSubmit(ctx: Context, matchID: string) {
    const caller = await authenticate(ctx);
    await metadataOf(matchID);
    const mine = (await repository.seatsOf(matchID)).filter(
      (s) => isCallersSeat(s, caller) && s.role === 'wearer',
    );
    if (mine.length === 0) {
      throw new HttpError(
        403,
        'not_seated',
        'Only a wearer seated in this room can submit a picture for it.',
      );
    }
    const pending = (await repository.requestsOf(matchID)).some(
      (row) =>
        (row.status === 'delivered' || row.status === 'already_pending') &&
        mine.some((s) => s.playerID === row.playerID),
    );
    if (!pending) {
      throw new HttpError(
        409,
        'nothing_pending',
        'You have no delivered picture request in this room to answer.',
      );
    }
    try {
      await deps.sandbox!.submitPicture(caller.sessionId);
    } catch (error) {
      logger?.warn({ err: error }, 'sandbox submit refused by the emulator');
      throw new HttpError(409, 'nothing_pending', 'The emulator has no pending request for you.');
    }
    ctx.body = { submitted: true } satisfies SandboxSubmitAnswer;
  }

  async function verifications(ctx: Context, matchID: string) {
    const caller = await authenticate(ctx);
    await metadataOf(matchID);
    const seats = await repository.seatsOf(matchID);
    if (!seats.some((s) => s.userId === caller.userId)) {
      throw new HttpError(
        403,
        'not_seated',
        'Only players seated in this room can see its verification requests.',
      );
    }
    if (ctx.get('accept').includes('text/event-stream')) return stream(ctx, matchID, caller);
    ctx.body = {
      requests: (await repository.requestsOf(matchID)).map(toVerificationStatus),
    } satisfies VerificationList;
  }

  async function stream(ctx: Context, matchID: string, caller: Login) {
    const lastEventId = ctx.get('last-event-id');
    const since =
      lastEventId === ''
        ? undefined
        : parseWith(LastEventIdSchema, lastEventId, 'Last-Event-ID') - RESUME_OVERLAP_MS;
    const slot = await limits.openStream(caller.userId);
    const body = new PassThrough();
    let closed = false;
    const send = (status: VerificationStatus) => {
      if (closed) return;
      body.write(
        `id: ${feedEventId(status)}\nevent: ${FEED_EVENTS.verification}\ndata: ${JSON.stringify(status)}\n\n`,
      );
    };
    // Changes that arrive while the snapshot is read wait until it is sent, so that the snapshot
    // comes first. One of them may be older than the snapshot's copy of its request (announced just
    // before the read); a later copy always follows it, and the client keeps the last copy.
    let waiting: VerificationStatus[] | undefined = [];
    const unsubscribe = feed.subscribe(matchID, (status) => {
      if (waiting) waiting.push(status);
      else send(status);
    });
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(expiry);
      unsubscribe();
      ours.delete(end);
      if (ours.size === 0) streamsByLogin.delete(caller.id);
      slot
        .release()
        .catch((error: unknown) => logger?.warn({ err: error }, 'stream slot release failed'));
    };
    // The login ended (expired, or revoked here or on another instance): so does its stream.
    const end = () => {
      if (!closed) body.end(`event: ${FEED_EVENTS.loginEnded}\ndata: {}\n\n`);
      close();
    };
    const ours = streamsByLogin.get(caller.id) ?? new Set();
    streamsByLogin.set(caller.id, ours.add(end));
    const expiry = setTimeout(end, Math.max(0, caller.expiresAt - now()));
    expiry.unref();
    const heartbeat = setInterval(() => {
      body.write(': keep-alive\n\n');
      void (async () => {
        const still = await repository.getLogin(caller.id);
        if (!still || still.expiresAt <= now()) return end();
        await slot.renew();
      })().catch((error: unknown) => logger?.warn({ err: error }, 'stream heartbeat failed'));
    }, limits.settings.streamRecheckMs);
    heartbeat.unref();
    // The client may have gone while this stream was authorised and given its place: then no
    // 'close' is coming, and the place must be given back now.
    ctx.res.on('close', close);
    body.on('close', close);
    if (ctx.req.socket.destroyed || ctx.res.destroyed) close();
    ctx.req.socket.setTimeout(0);
    ctx.status = 200;
    ctx.set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    ctx.body = body;
    body.write('retry: 2000\n\n');
    // Oldest change first, so that each event's id is a point the client can resume from.
    const snapshot = (await repository.requestsOf(matchID))
      .filter((row) => since === undefined || row.updatedAt >= since)
      .sort((x, y) => x.updatedAt - y.updatedAt);
    for (const row of snapshot) send(toVerificationStatus(row));
    for (const status of waiting) send(status);
    waiting = undefined;
  }

  async function webhook(ctx: Context) {
    if (!deps.webhook) {
      throw new HttpError(
        503,
        'webhooks_disabled',
        'Set WEBHOOK_USER and WEBHOOK_PASSWORD to receive Chaster webhooks.',
      );
    }
    const m = ctx.get('authorization').match(/^Basic ([A-Za-z0-9+/=]{1,512})$/);
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (!safeEqual(given, `${deps.webhook.user}:${deps.webhook.password}`)) {
      ctx.set('www-authenticate', 'Basic realm="chaster-webhooks"');
      throw new HttpError(
        401,
        'unauthorized',
        'Webhook Basic auth does not match WEBHOOK_USER and WEBHOOK_PASSWORD.',
      );
    }
    const envelope = parseWith(WebhookBody, await readJson(ctx, 256 * 1024), 'webhook');
    const submitted =
      envelope.event === 'action_log.created' ? SubmittedData.safeParse(envelope.data) : undefined;
    if (!submitted?.success) {
      ctx.body = { ok: true, handled: false };
      return;
    }
    const rows = await repository.markSubmitted(
      submitted.data.sessionId,
      envelope.requestId,
      Date.parse(submitted.data.actionLog.createdAt),
      now(),
    );
    if (rows === undefined) {
      ctx.body = { ok: true, handled: false, duplicate: true };
      return;
    }
    ctx.body = { ok: true, handled: true, updated: rows.length };
  }

  return async (ctx: Context, next: Next): Promise<void> => {
    const { method, path } = ctx;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/healthz') {
      const ok = await deps.healthy().catch(() => false);
      ctx.status = ok ? 200 : 503;
      ctx.body = ok
        ? { ok: true }
        : ({
            error: 'unhealthy',
            message: 'Storage or dispatcher is not working.',
          } satisfies ApiErrorBody);
      return;
    }
    if (!path.startsWith('/api/')) return next();
    if (method === 'POST' && path === '/api/login') return createLogin(ctx);
    if (method === 'DELETE' && path === '/api/login') return deleteLogin(ctx);
    if (method === 'POST' && path === '/api/rooms') return createRoom(ctx);
    if (method === 'GET' && path === '/api/rooms') return listRooms(ctx);
    if (method === 'GET' && path === '/api/history') return history(ctx);
    if (method === 'POST' && path === '/api/chaster/webhooks') return webhook(ctx);
    if ((m = path.match(/^\/api\/configurations\/([^/]*)$/))) {
      if (method === 'GET') return configuration(ctx, m[1]!, false);
      if (method === 'PUT') return configuration(ctx, m[1]!, true);
    }
    if ((m = path.match(/^\/api\/rooms\/([^/]+)(\/join|\/verifications(?:\/sandbox-submit)?)?$/))) {
      const matchID = parseWith(MatchIDSchema, m[1], 'matchID');
      if (method === 'POST' && m[2] === '/verifications/sandbox-submit' && deps.sandbox) {
        return sandboxSubmit(ctx, matchID);
      }
      if (method === 'POST' && m[2] === '/join') return joinRoom(ctx, matchID);
      if (method === 'GET' && m[2] === '/verifications') return verifications(ctx, matchID);
      if (method === 'GET' && m[2] === undefined) return getRoom(ctx, matchID);
    }
    throw new HttpError(404, 'not_found', `No route ${method} ${path.slice(0, 100)}.`);
  };
}

/** Game rules of the whole room: house rules stricter on them refuse a join instead of binding. */
const ROOM_WIDE_RULES: readonly BoundRule[] = [
  'randomCheckChance',
  'keyholderDemands',
  'loserRequest',
];

/** The delivery policy of a room's (or a seat's) rules. */
function roomPolicy(rules: RoomPolicyRules): RoomPolicy {
  return {
    cooldownMs: rules.cooldownSeconds * 1000,
    maxRequestsPerMatch: rules.maxRequestsPerMatch,
  };
}

/** The `forced` part of an answer: each rule a house rule decided, with its value and why. */
function forcedOf(binding: BindingRules | undefined): { forced?: ForcedRule[] } {
  if (!binding) return {};
  const forced = Object.entries(binding.reasons).map(([rule, reason]) => ({
    rule,
    value: (binding.rules as Record<string, unknown>)[rule],
    reason,
  }));
  return forced.length > 0 ? { forced } : {};
}

/**
 * Whether a seat is the caller's: the user's on this lock, whichever of their logins took it (a
 * reload or a renewed login signs in again).
 */
function isCallersSeat(seat: { userId: string; lockId: string }, caller: Login): boolean {
  return seat.userId === caller.userId && seat.lockId === caller.lockId;
}

/**
 * The house rules a configuration save carries: 400 `invalid_house_rules` with the schema's own
 * sentences when they are not valid (a body that is not `{config}` is 400 `invalid_request`).
 */
function houseRulesToSave(body: unknown): HouseRules {
  const { config } = parseWith(SaveEnvelope, body);
  const parsed = HouseRulesSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => issue.message);
  throw new HttpError(
    400,
    'invalid_house_rules',
    `These house rules are not valid: ${problems.join('; ')}.`,
  );
}

/**
 * A saved config as the configuration page shows it: the house rules, or `{}` with a `problem`
 * sentence when what is saved is not valid house rules (it binds nothing until saved again).
 */
function houseRulesView(
  config: unknown,
  logger: Logger | undefined,
): Pick<ConfigurationAnswer, 'config' | 'problem'> {
  if (config === null || config === undefined) return { config: {} };
  const parsed = HouseRulesSchema.safeParse(config);
  if (parsed.success) return { config: parsed.data };
  const problem = parsed.error.issues[0]?.message ?? 'not an object of house rules';
  logger?.warn({ problem }, 'the configuration page found invalid house rules');
  return {
    config: {},
    problem: `The saved house rules are not valid (${problem}), so they bind nothing: save new ones.`,
  };
}

/**
 * Chaster's refusal of a configuration call as our answer. Never the token, nor Chaster's raw
 * answer, in the answer or the log: only its code and status are logged.
 */
function configurationHttpError(
  error: unknown,
  save: boolean,
  logger: Logger | undefined,
): HttpError {
  if (!(error instanceof ChasterError)) {
    logger?.error({ err: error }, 'configuration call failed');
    return new HttpError(
      502,
      'chaster_unavailable',
      'Chaster could not be asked for this configuration right now; try again in a moment.',
    );
  }
  logger?.warn(
    { code: error.code, status: error.status, operation: error.operation },
    'Chaster refused a configuration call',
  );
  if (error.code === 'configuration_not_found') {
    return new HttpError(
      404,
      'configuration_not_found',
      "This configuration link is unknown or has expired: open the extension's settings from Chaster again.",
    );
  }
  if (error.code === 'forbidden' && save) {
    return new HttpError(
      403,
      'only_keyholder_saves',
      "Only the lock's keyholder can save its house rules; you can read them.",
    );
  }
  if (error.code === 'unauthorized' || error.code === 'forbidden') {
    return new HttpError(
      502,
      'chaster_rejected_server',
      "Chaster refused this server's developer token; the operator must check CHASTER_TOKEN.",
    );
  }
  // Chaster's own words are not passed on: they are not ours to vouch for, and could name the token.
  return new HttpError(
    502,
    'chaster_unavailable',
    error.retryable
      ? 'Chaster is unavailable right now; try again in a moment.'
      : "Chaster refused to read or save this configuration; open the extension's settings from Chaster again.",
  );
}

/**
 * The house rules in a Chaster session's extension config; null when it has none. An invalid one
 * binds nothing and never fails the login: a warning tells the operator.
 */
function readHouseRules(config: unknown, logger: Logger | undefined): HouseRules | null {
  if (config === null || config === undefined) return null;
  const parsed = HouseRulesSchema.safeParse(config);
  // An empty config (what a lock has until its keyholder saves one) binds nothing.
  if (parsed.success) return Object.keys(parsed.data).length > 0 ? parsed.data : null;
  logger?.warn(
    { problem: parsed.error.issues[0]?.message },
    'ignoring invalid house rules in a session config',
  );
  return null;
}

function seatRoles(metadata: ServerTypes.MatchData): SeatRole[] {
  const seats = (metadata.setupData as RoomSetupData | undefined)?.seats;
  return Array.isArray(seats) ? seats : Object.keys(metadata.players).map(() => 'wearer');
}

function chasterHttpError(error: unknown, logger: Logger | undefined): HttpError {
  if (error instanceof ChasterArgumentError)
    return new HttpError(400, 'invalid_request', error.message);
  if (!(error instanceof ChasterError)) {
    logger?.error({ err: error }, 'session exchange failed');
    return new HttpError(500, 'internal', 'Something went wrong on the server; try again.');
  }
  logger?.warn({ code: error.code, status: error.status }, 'Chaster refused a session exchange');
  if (error.code === 'session_not_found') {
    return new HttpError(
      401,
      'invalid_main_token',
      'This Chaster link has expired or is not valid: open the game again from Chaster.',
    );
  }
  if (error.code === 'unauthorized' || error.code === 'forbidden') {
    return new HttpError(
      502,
      'chaster_rejected_server',
      "Chaster refused this server's developer token; the operator must check CHASTER_TOKEN.",
    );
  }
  if (error.retryable)
    return new HttpError(
      503,
      'chaster_unavailable',
      'Chaster is unavailable right now; try again in a moment.',
    );
  return new HttpError(
    502,
    'chaster_error',
    `Chaster refused the session: ${error.displayMessage}`,
  );
}

/**
 * The key a client address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6
 * address too), an IPv6 address by its /64, which one subscriber usually holds whole.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
