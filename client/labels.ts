/**
 * Human words for the codes the server and the games use, in one place so that the timeline,
 * boards and tests agree on them.
 */
import { GAME_INFO, isGameName } from '../game/registry.js';
import type { Actor } from '../src/chaster/index.js';
import type { OutboxStatus } from '../src/server/outbox/types.js';

/** Badge text per verification status. */
export const STATUS_WORDS: Record<OutboxStatus, string> = {
  queued: 'queued',
  sending: 'sending',
  delivered: 'delivered',
  already_pending: 'already pending',
  suppressed: 'suppressed',
  failed: 'failed',
  dead: 'dead',
  submitted: 'picture submitted',
};

/** One sentence per status, for the badge's title (hover / long-press). */
export const STATUS_HINTS: Record<OutboxStatus, string> = {
  queued: 'Waiting to be sent to Chaster.',
  sending: 'Being sent to Chaster now.',
  delivered: 'Chaster accepted it: the wearer has been asked for a picture.',
  already_pending: 'The wearer already had a picture to send; this one counts as delivered.',
  suppressed: 'Not sent: the room’s cooldown or request limit held it back.',
  failed: 'Chaster refused it.',
  dead: 'Gave up after retrying for too long.',
  submitted: 'The wearer has submitted the picture.',
};

/** Who asked, in words. */
export function actorWords(actor: Actor | null): string {
  if (actor === 'extension') return 'the game';
  if (actor === 'keyholder') return 'the keyholder';
  if (actor === 'wearer') return 'the wearer';
  return 'nobody (not sent)';
}

/** A reason as a short phrase: the games already write them for people ("lost round 2"). */
export function reasonWords(reason: string): string {
  return reason.replace(/[-_]+/g, ' ');
}

/** Display name of a game; a name the registry does not know is shown as it is. */
export function gameTitle(game: string): string {
  return isGameName(game) ? GAME_INFO[game].title : game;
}

/** What the numbers in a game's end-of-game summary count. */
export function summaryLabel(game: string): string {
  return isGameName(game) ? GAME_INFO[game].summaryLabel : 'Score';
}
