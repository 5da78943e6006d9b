/**
 * `bgio-chaster/chaster`: a typed client for the Chaster Extensions API, usable without boardgame.io.
 */
export { createChasterClient } from './client.js';
export type { CallOptions, ChasterClient, ChasterClientOptions } from './client.js';
export { ChasterArgumentError, ChasterError, RETRYABLE_CODES } from './errors.js';
export type { ChasterErrorCode, ChasterErrorInit } from './errors.js';
export { classifyAnswer, parseRetryAfter } from './classify.js';
export type { ChasterAnswer, ChasterOperation } from './classify.js';
export {
  ActorSchema,
  ConfigurationSchema,
  ConfigurationTokenSchema,
  CustomLogSchema,
  ExtensionConfigSchema,
  LockSchema,
  MainTokenSchema,
  SessionAuthSchema,
  SessionIdSchema,
  SessionSchema,
  UserSchema,
} from './schemas.js';
export type {
  Actor,
  ChasterConfiguration,
  ChasterLock,
  ChasterSession,
  ChasterUser,
  CustomLog,
  ExtensionConfig,
  SessionAuth,
} from './schemas.js';
