/**
 * `bgio-chaster`: the verification plugin for boardgame.io games and its types.
 */
export {
  VerificationPlugin,
  VerificationRequestError,
  VERIFICATION_PLUGIN_NAME,
} from './verification.js';
export { NO_ARGS, seatArg } from './move-args.js';
export type { MoveArgs, WithMoveArgs } from './move-args.js';
export type {
  RequestedBy,
  SeatRole,
  VerificationAPI,
  VerificationData,
  VerificationIntent,
  VerificationPluginOptions,
  VerificationRequestInput,
  WithDefaultRules,
  WithVerification,
} from './types.js';
