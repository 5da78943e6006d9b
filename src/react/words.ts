/**
 * The words the kit shows for the server's codes: request statuses, who asked, a live feed's
 * connection, seat roles. In one place so that every component (and a game's own) agrees.
 */
import type { Actor, FeedState, OutboxStatus, SeatRole } from '../client/index.js';

/** A request status in a few words, as its badge shows it. */
export const STATUS_WORDS: Readonly<Record<OutboxStatus, string>> = {
  queued: 'queued',
  sending: 'sending',
  delivered: 'delivered',
  already_pending: 'already pending',
  suppressed: 'suppressed',
  failed: 'failed',
  dead: 'dead',
  submitted: 'picture submitted',
};

/** A request status in one sentence, for the badge's title (hover, long-press). */
export const STATUS_HINTS: Readonly<Record<OutboxStatus, string>> = {
  queued: 'Waiting to be sent to Chaster.',
  sending: 'Being sent to Chaster now.',
  delivered: 'Chaster accepted it: the wearer has been asked for a picture.',
  already_pending: 'The wearer already had a picture to send; this one counts as delivered.',
  suppressed: 'Not sent: the room’s cooldown or request limit held it back.',
  failed: 'Chaster refused it.',
  dead: 'Gave up after retrying for too long.',
  submitted: 'The wearer has submitted the picture.',
};

/** How a status reads at a glance; themes colour each tone (never the only cue: words come too). */
export type StatusTone = 'info' | 'success' | 'warning' | 'danger';

/** A mark per tone, shown next to a status's words (never instead of them). */
export const TONE_MARKS: Readonly<Record<StatusTone, string>> = {
  info: '…',
  success: '✓',
  warning: '!',
  danger: '✕',
};

/** The tone of each status: on its way, asked, held back, or refused. */
export const STATUS_TONES: Readonly<Record<OutboxStatus, StatusTone>> = {
  queued: 'info',
  sending: 'info',
  delivered: 'success',
  already_pending: 'success',
  submitted: 'success',
  suppressed: 'warning',
  failed: 'danger',
  dead: 'danger',
};

/** A live feed's connection state in a word or two. */
export const FEED_STATE_WORDS: Readonly<Record<FeedState, string>> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'stopped',
};

/** A seat role as a title ("Wearer", "Keyholder"). */
export const ROLE_WORDS: Readonly<Record<SeatRole, string>> = {
  wearer: 'Wearer',
  keyholder: 'Keyholder',
};

/** Who asked for a picture, in words (`null`: the request was never bound, so never sent). */
export function actorWords(actor: Actor | null): string {
  if (actor === 'extension') return 'the game';
  if (actor === 'keyholder') return 'the keyholder';
  if (actor === 'wearer') return 'the wearer';
  return 'nobody (not sent)';
}

/** A request's reason as a short phrase: games write them for people ("lost-round-2" too). */
export function reasonWords(reason: string): string {
  return reason.replace(/[-_]+/g, ' ');
}
