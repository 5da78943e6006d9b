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
  ActionLogSchema,
  ActorSchema,
  ConfigurationSchema,
  ConfigurationTokenSchema,
  CustomLogSchema,
  ExtensionConfigSchema,
  LockSchema,
  MainTokenSchema,
  SearchLogsAnswerSchema,
  SearchLogsBodySchema,
  SessionAuthSchema,
  SessionIdSchema,
  SessionSchema,
  UserSchema,
} from './schemas.js';
export type {
  ActionLog,
  Actor,
  ChasterConfiguration,
  ChasterLock,
  ChasterSession,
  ChasterUser,
  CustomLog,
  ExtensionConfig,
  SearchLogsAnswer,
  SearchLogsBody,
  SessionAuth,
} from './schemas.js';
