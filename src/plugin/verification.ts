/**
 * `VerificationPlugin`: a boardgame.io plugin that only records. Moves call
 * `verification.request(...)`; `flush` stores this action's intents and nothing else, so the
 * committed state of each action carries exactly the intents that action made. The server reads
 * them when it stores that state (see `bgio-chaster/server`); the plugin itself never does I/O,
 * so it behaves the same on the server, in Local and single-player clients, and optimistically on
 * SocketIO clients.
 */
import type { Plugin } from 'boardgame.io';
import type {
  VerificationAPI,
  VerificationData,
  VerificationIntent,
  VerificationPluginOptions,
  VerificationRequestInput,
} from './types.js';

/** What a reason may not contain: control characters, NUL and line breaks included. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Name of the plugin; its data lives in `state.plugins[VERIFICATION_PLUGIN_NAME]`. */
export const VERIFICATION_PLUGIN_NAME = 'verification';

/** Thrown in a move that calls `verification.request` wrongly: a bug in the game, not the player. */
export class VerificationRequestError extends TypeError {
  override readonly name = 'VerificationRequestError';
  readonly code = 'invalid_verification_request' as const;
}

interface RecordingAPI extends VerificationAPI {
  readonly intents: VerificationIntent[];
  /** The seat whose move is running (`fnWrap` sets it around a move), null in hooks. */
  requester: string | null;
}

/** Creates the verification plugin; add it to a game's `plugins`. */
export const VerificationPlugin = ({
  maxPerAction = 16,
  maxReasonLength = 200,
}: VerificationPluginOptions = {}): Plugin<VerificationAPI, VerificationData> => ({
  name: VERIFICATION_PLUGIN_NAME,

  setup: () => ({ intents: [] }),

  // A fresh list for every action, like bgio-effects' timeline.
  // The API is built once per action; only a move has a requesting seat. Hooks (turn/phase
  // onBegin/onEnd/onMove, game onEnd) are the rules: they record requestedBy null.
  api: ({ ctx }) => {
    const intents: VerificationIntent[] = [];
    const record = (
      playerID: string | null,
      { player, reason, by = 'rules' }: VerificationRequestInput,
    ) => {
      if (typeof player !== 'string' || !ctx.playOrder.includes(player)) {
        throw new VerificationRequestError(
          `verification.request: player must be a seat of this match (${ctx.playOrder.join(', ')}), got ${JSON.stringify(player)}`,
        );
      }
      if (typeof reason !== 'string' || reason.trim() === '' || reason.length > maxReasonLength) {
        throw new VerificationRequestError(
          `verification.request: reason must be a non-empty string of at most ${maxReasonLength} characters`,
        );
      }
      // Control characters have no place in a sentence shown to players, and Postgres text
      // cannot hold NUL: a reason with one would fail the move's commit there, not on SQLite.
      if (CONTROL_CHARACTER.test(reason)) {
        throw new VerificationRequestError(
          'verification.request: reason must not contain control characters (such as NUL or line breaks)',
        );
      }
      if (by !== 'rules' && by !== 'self') {
        throw new VerificationRequestError(
          `verification.request: by must be 'rules' or 'self', got ${JSON.stringify(by)}`,
        );
      }
      if (by === 'self' && (playerID === undefined || playerID === null)) {
        throw new VerificationRequestError(
          "verification.request: by 'self' needs a move made by a seat, not a hook without a player",
        );
      }
      if (intents.length >= maxPerAction) {
        throw new VerificationRequestError(
          `verification.request: at most ${maxPerAction} requests per action`,
        );
      }
      intents.push({ player, reason, by, requestedBy: playerID ?? null });
    };
    const api: RecordingAPI = {
      intents,
      requester: null,
      request: (input) => record(api.requester, input),
    };
    return api;
  },

  // The requester is set on the action's API for the length of a move, as boardgame.io's events
  // plugin sets its turn context: a copy of the whole context per move cost more than the move.
  fnWrap:
    (fn, methodType) =>
    (context, ...args) => {
      const api = context[VERIFICATION_PLUGIN_NAME] as RecordingAPI | undefined;
      if (methodType !== 'MOVE' || !api) return fn(context, ...args);
      const outer = api.requester;
      api.requester = (context.playerID as string | undefined) ?? null;
      try {
        return fn(context, ...args);
      } finally {
        api.requester = outer;
      }
    },

  flush: ({ api }) => ({ intents: [...(api as RecordingAPI).intents] }),

  // Intents are the server's business: clients never see them.
  playerView: () => ({ intents: [] }),
});
