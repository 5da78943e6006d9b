/**
 * `bgio-chaster/client`: what a page (or a Node program) needs to use a bgio-chaster game server,
 * without React: read Chaster's iframe hash, sign in, host and join rooms, and follow a room's
 * verification requests live. The API contract's schemas and types come with it.
 */
export { createApiClient } from './client.js';
export type {
  ApiClient,
  ApiClientOptions,
  AuthedApiClient,
  CallOptions,
  FeedHandlers,
  FeedOptions,
} from './client.js';
export type { FeedState } from './event-stream.js';
export { ApiError, BAD_ANSWER, NETWORK_ERROR, TIMEOUT_ERROR, errorMessage } from './errors.js';
export { parseChasterHash } from './hash.js';
export type { ChasterHash } from './hash.js';
export { readPartnerConfigurationToken } from './hash.js';
export type { PartnerConfigurationHash } from './hash.js';
export * from '../api/index.js';
