/**
 * `bgio-chaster/emulator`: a local Chaster Extensions API for development, tests and sandbox mode.
 */
export { createChasterEmulator, EmulatorHttpError } from './emulator.js';
export type {
  ChasterEmulator,
  CustomLogEntry,
  EmulatorOptions,
  ReceivedVerificationRequest,
  SubmitResult,
  WebhookEnvelope,
  WebhookTarget,
} from './emulator.js';
export {
  ASSUMED_ERRORS,
  CONFIGURATION_TOKEN_TTL_MS,
  CREATED_STATUS,
  MAIN_TOKEN_TTL_MS,
} from './assumptions.js';
export type { AssumedError } from './assumptions.js';
export { FaultsSchema } from './faults.js';
export type { FaultKind, Faults, FaultsInput } from './faults.js';
export type { ConfigurationRole, CreateLockInput, CreatedLock, ExtensionConfig } from './state.js';
