/**
 * The delivery policy: who a request is sent as (the actor), whom a seat may ask, and when a room
 * lets a request go (its cap and cooldown). Every refusal is worded once, in `REFUSALS`. The stores
 * bind actor and target with it at commit (`bindRequest`); both repositories check a row with it
 * when they claim it (`deliveryRefusal` on every claim, `admissionRefusal` on the first).
 */
import type { Actor } from '../../chaster/index.js';
import type { SeatRole } from '../../plugin/index.js';
import type { OutboxRow, OutboxStatus } from './types.js';

/** The delivery policy of a room, fixed when it is created. */
export interface RoomPolicy {
  /** Least time between two requests to the same wearer, in ms. */
  cooldownMs: number;
  /** Most requests delivered per match. */
  maxRequestsPerMatch: number;
}

/** Why a request must not be sent: the status it is settled with, and the reason players see. */
export interface Refusal {
  status: OutboxStatus;
  message: string;
}

/** What the policy reads of a bound seat. */
export interface SeatFacts {
  role: SeatRole;
  lockId: string;
  sessionId: string;
}

/** A seat id as a message shows it: seat ids are short, and a message carries no long string. */
const seat = (id: string): string => id.slice(0, 8);

const failed = (message: string): Refusal => ({ status: 'failed', message });
const suppressed = (message: string): Refusal => ({ status: 'suppressed', message });
const seconds = (ms: number): number => Math.round(ms / 1000);

/** Every refusal and its one wording. */
export const REFUSALS = {
  /** At commit: nobody sits in the target seat, so nobody who sits there later is ever asked. */
  targetNotSeated: (target: string) =>
    failed(
      `No wearer in seat ${seat(target)}: nobody sat there when this was recorded, so nobody is asked.`,
    ),
  /** At claim: the target seat has no binding any more, so there is no Chaster session to ask. */
  targetUnbound: (target: string) => failed(`Seat ${seat(target)} has no Chaster session.`),
  /** `by: 'self'` from a seat nobody sits in: it has no role to ask with. */
  requesterNotSeated: (requester: string | null) =>
    failed(
      `Seat ${requester === null ? '(none)' : seat(requester)} has no Chaster session, so it cannot ask for a picture itself.`,
    ),
  /** Only wearers wear a lock: a keyholder is never asked for a picture. */
  targetNotWearer: (target: string) =>
    failed(`Seat ${seat(target)} is a keyholder; only wearers can be asked for a picture.`),
  /** A keyholder asked a wearer of another lock. */
  notOwnWearer: () => failed('A keyholder may only ask their own wearer for a picture.'),
  /** A wearer asked about someone else. */
  notThemselves: () => failed('A wearer may only ask for a picture of themselves.'),
  /** A match not made through `POST /api/rooms`: no policy allows anything (fail closed). */
  noRoom: () =>
    failed(
      'This match has no room, so no room policy allows a request; rooms are made with POST /api/rooms.',
    ),
  /** Older than `maxAgeMs`: given up instead of sent late. */
  tooOld: (maxAgeMs: number) => ({
    status: 'dead' as const,
    message: `Not delivered within ${Math.round(maxAgeMs / 60_000)} minutes; given up.`,
  }),
  /** The room's cap per match is reached. */
  capReached: (maxRequestsPerMatch: number) =>
    suppressed(
      `This room allows ${maxRequestsPerMatch} request${maxRequestsPerMatch === 1 ? '' : 's'} per match; the limit is reached.`,
    ),
  /** The wearer was asked less than the room's cooldown ago. */
  coolingDown: (agoMs: number, cooldownMs: number) =>
    suppressed(
      `Cooldown: this wearer was asked ${seconds(agoMs)} s ago; the room waits ${seconds(cooldownMs)} s between requests (${Math.ceil((cooldownMs - agoMs) / 1000)} s left).`,
    ),
} satisfies Record<string, (...args: never[]) => Refusal>;

/**
 * Statuses a submitted picture settles as `submitted`: requests Chaster took (delivered, or already
 * pending there), and only those delivered at or before the picture, which answers only what was
 * asked before it.
 */
export const SUBMITTABLE_STATUSES: readonly OutboxStatus[] = ['delivered', 'already_pending'];

/** The message of a request the wearer answered with a picture (not a refusal: its last word). */
export const SUBMITTED_MESSAGE = 'The wearer submitted a picture.';

/**
 * Statuses of rows the policy let through that may still become (or are) a delivered request: an
 * admitted row in one of them counts against the room's cap and starts the wearer's cooldown.
 */
export const CHARGED_STATUSES: readonly OutboxStatus[] = [
  'queued',
  'sending',
  'delivered',
  'already_pending',
  'submitted',
];

/** Who asks for a recorded intent: the rules, or (`self`) the seat that made the move. */
export interface Asker {
  /** The seat asked for a picture. */
  playerID: string;
  requestedBy: 'rules' | 'self';
  /** The seat that made the move (`self`), as the plugin recorded it. */
  requesterID: string | null;
}

/**
 * An intent bound at commit, from the seats' roles as stored (never from the client): the actor is
 * `extension` for the rules and the asking seat's role for `self`; a target nobody sits in, or a
 * `self` request from a seat nobody sits in, is refused at once (and has no actor).
 */
export function bindRequest(
  { playerID, requestedBy, requesterID }: Asker,
  seatRoles: ReadonlyMap<string, SeatRole>,
): { actor: Actor | null; refusal?: Refusal } {
  if (!seatRoles.has(playerID)) return { actor: null, refusal: REFUSALS.targetNotSeated(playerID) };
  if (requestedBy === 'rules') return { actor: 'extension' };
  const role = requesterID === null ? undefined : seatRoles.get(requesterID);
  return role
    ? { actor: role }
    : { actor: null, refusal: REFUSALS.requesterNotSeated(requesterID) };
}

/** The actor a claimed row is sent as: bound at commit, `extension` for rows stored without one. */
export function sendingActor(row: Pick<OutboxRow, 'actor'>): Actor {
  return row.actor ?? 'extension';
}

/** A row never sent yet: the seats and the room's policy decide whether it is. */
export function isFirstAttempt(row: Pick<OutboxRow, 'attempts' | 'status'>): boolean {
  return row.attempts === 0 && row.status === 'queued';
}

/**
 * Why a due row can never be sent, whatever the room says (checked on every claim): too old, or
 * its target seat has no binding (`targetSession` null).
 */
export function deliveryRefusal(
  row: Pick<OutboxRow, 'createdAt' | 'playerID'>,
  targetSession: string | null,
  now: number,
  maxAgeMs: number,
): Refusal | undefined {
  if (now - row.createdAt > maxAgeMs) return REFUSALS.tooOld(maxAgeMs);
  if (targetSession === null) return REFUSALS.targetUnbound(row.playerID);
  return undefined;
}

/**
 * Whom a seat may ask: the target must be a wearer; for `self`, the asking seat must be bound, a
 * keyholder may ask only their own wearer (same lock) and a wearer only about themselves.
 */
export function seatRefusal(
  asker: Asker,
  target: SeatFacts,
  requester: SeatFacts | undefined,
): Refusal | undefined {
  if (target.role !== 'wearer') return REFUSALS.targetNotWearer(asker.playerID);
  if (asker.requestedBy !== 'self') return undefined;
  if (!requester) return REFUSALS.requesterNotSeated(asker.requesterID);
  if (requester.role === 'keyholder' && requester.lockId !== target.lockId) {
    return REFUSALS.notOwnWearer();
  }
  if (requester.role === 'wearer' && requester.sessionId !== target.sessionId) {
    return REFUSALS.notThemselves();
  }
  return undefined;
}

/** The room's policy: the cap per match, then the cooldown per wearer. */
export function policyRefusal(
  { cooldownMs, maxRequestsPerMatch }: RoomPolicy,
  charged: number,
  lastAdmittedAt: number | null,
  now: number,
): Refusal | undefined {
  if (charged >= maxRequestsPerMatch) return REFUSALS.capReached(maxRequestsPerMatch);
  // Another instance's clock, or a claim's `now` taken before it waited for a lock, can put the
  // last admission after `now`: that is "just now", and never a reason when there is no cooldown.
  if (cooldownMs > 0 && lastAdmittedAt !== null && now - lastAdmittedAt < cooldownMs) {
    return REFUSALS.coolingDown(Math.max(0, now - lastAdmittedAt), cooldownMs);
  }
  return undefined;
}

/** What a row's first claim decides on; the counts are read only when a check needs them. */
export interface FirstClaim {
  asker: Asker;
  target: SeatFacts;
  /** The asking seat's binding (`self` only; undefined when it has none). */
  requester: SeatFacts | undefined;
  /** The room's policy; null when the match has no room. */
  policy: RoomPolicy | null;
  /** Requests of the match already charged (see `CHARGED_STATUSES`). */
  charged: () => number;
  /** The target wearer's last admission; asked only when the room has a cooldown. */
  lastAdmittedAt: () => number | null;
  now: number;
}

/** Why a first attempt must not be sent, in order: the seats, no room, the cap, the cooldown. */
export function admissionRefusal(claim: FirstClaim): Refusal | undefined {
  const refused = seatRefusal(claim.asker, claim.target, claim.requester);
  if (refused) return refused;
  const { policy } = claim;
  if (policy === null) return REFUSALS.noRoom();
  return policyRefusal(
    policy,
    claim.charged(),
    policy.cooldownMs > 0 ? claim.lastAdmittedAt() : null,
    claim.now,
  );
}
