/**
 * From a committed state to outbox rows: which actions count, and one row per recorded intent with
 * its target and actor bound at commit time: a seat nobody sits in fails at once, and the actor is
 * the asking seat's role. Shared by every storage adapter.
 */
import type { LogEntry, State } from 'boardgame.io';
import type { Actor } from '../../chaster/index.js';
import { VERIFICATION_PLUGIN_NAME } from '../../plugin/index.js';
import type { VerificationIntent } from '../../plugin/index.js';
import type { OutboxRow, OutboxStatus } from './types.js';

const ACTION_TYPES = new Set(['MAKE_MOVE', 'GAME_EVENT']);

/** True when the deltalog holds a move or an event: never for undo, redo or no-ops. */
export function isCommittedAction(deltalog: LogEntry[]): boolean {
  return deltalog.some((entry) => ACTION_TYPES.has(entry.action?.type));
}

/** How many intents a state carries as recorded (malformed ones included). */
export function intentCount(state: State): number {
  return recordedIntents(state).length;
}

function recordedIntents(state: State): unknown[] {
  const data = state.plugins?.[VERIFICATION_PLUGIN_NAME]?.data as { intents?: unknown } | undefined;
  return Array.isArray(data?.intents) ? (data.intents as unknown[]) : [];
}

/** The outbox rows for the intents a committed state carries; malformed intents are skipped. */
export function outboxRowsFor(
  matchID: string,
  state: State,
  seatRoles: ReadonlyMap<string, 'wearer' | 'keyholder'>,
  now: number,
  onMalformed?: (index: number) => void,
): OutboxRow[] {
  const intents = recordedIntents(state);
  const rows: OutboxRow[] = [];
  intents.forEach((raw, index) => {
    const intent = raw as Partial<VerificationIntent> | null;
    if (typeof intent?.player !== 'string' || typeof intent.reason !== 'string') {
      onMalformed?.(index);
      return;
    }
    const requestedBy = intent.by === 'self' ? 'self' : 'rules';
    const requesterID = typeof intent.requestedBy === 'string' ? intent.requestedBy : null;
    // The actor comes from the seat's authenticated role at commit time, never from the client.
    let actor: Actor | null = 'extension';
    let status: OutboxStatus = 'queued';
    let message: string | null = null;
    if (!seatRoles.has(intent.player)) {
      // The target is bound now: whoever sits down later never gets a request recorded before.
      actor = null;
      status = 'failed';
      message = `No wearer in seat ${intent.player.slice(0, 8)}: nobody sat there when this was recorded, so nobody is asked.`;
    } else if (requestedBy === 'self') {
      actor = (requesterID !== null && seatRoles.get(requesterID)) || null;
      if (actor === null) {
        status = 'failed';
        message = `Seat ${requesterID ?? '(none)'} has no Chaster session, so it cannot ask for a picture itself.`;
      }
    }
    rows.push({
      id: `${matchID}:${state._stateID}:${index}`,
      matchID,
      stateID: state._stateID,
      index,
      playerID: intent.player,
      reason: intent.reason.slice(0, 500),
      requestedBy,
      requesterID,
      actor,
      status,
      message,
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      createdAt: now,
      updatedAt: now,
    });
  });
  return rows;
}
