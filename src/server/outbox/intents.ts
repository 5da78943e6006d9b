/**
 * From a committed state to outbox rows: which actions count, and one row per recorded intent,
 * bound at commit time by the delivery policy (`bindRequest`). Shared by every storage adapter.
 */
import type { LogEntry, State } from 'boardgame.io';
import { VERIFICATION_PLUGIN_NAME } from '../../plugin/index.js';
import type { VerificationIntent } from '../../plugin/index.js';
import { bindRequest } from './policy.js';
import type { SeatRole } from '../../plugin/index.js';
import { newOutboxRow } from './row.js';
import type { OutboxRow } from './types.js';

const ACTION_TYPES = new Set(['MAKE_MOVE', 'GAME_EVENT']);

/** The longest reason stored: a reason is shown to players, never a place to park data. */
const MAX_REASON_LENGTH = 500;

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
  seatRoles: ReadonlyMap<string, SeatRole>,
  now: number,
  onMalformed?: (index: number) => void,
): OutboxRow[] {
  const rows: OutboxRow[] = [];
  recordedIntents(state).forEach((raw, index) => {
    const intent = raw as Partial<VerificationIntent> | null;
    if (typeof intent?.player !== 'string' || typeof intent.reason !== 'string') {
      onMalformed?.(index);
      return;
    }
    const asker = {
      playerID: intent.player,
      requestedBy: intent.by === 'self' ? ('self' as const) : ('rules' as const),
      requesterID: typeof intent.requestedBy === 'string' ? intent.requestedBy : null,
    };
    const bound = bindRequest(asker, seatRoles);
    rows.push(
      newOutboxRow(
        {
          ...asker,
          ...bound,
          matchID,
          stateID: state._stateID,
          index,
          reason: intent.reason.slice(0, MAX_REASON_LENGTH),
        },
        now,
      ),
    );
  });
  return rows;
}
