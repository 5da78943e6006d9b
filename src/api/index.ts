/**
 * The HTTP API's contract, shared by the server (which parses requests and types its answers with
 * it) and `bgio-chaster/client` (which checks every answer with it). Browser-safe, written with
 * `zod/mini` so that a page carries little of zod. Its messages are English only where zod's
 * English locale is loaded (`z.config(z.locales.en())`; the server loads it with zod's full API).
 */
export { ApiErrorBodySchema } from './errors.js';
export type { ApiErrorBody } from './errors.js';
export {
  ConfigurationAnswerSchema,
  MAX_CONFIGURATION_TOKEN_LENGTH,
  PartnerConfigurationTokenSchema,
} from './configuration.js';
export type { ConfigurationAnswer } from './configuration.js';
export {
  HistoryAnswerSchema,
  HistoryMatchSchema,
  MAX_HISTORY_MATCHES,
  MatchResultSchema,
} from './history.js';
export type { HistoryAnswer, HistoryMatch, MatchResult } from './history.js';
export {
  HOUSE_RULE_LIMITS,
  HOUSE_RULE_NAMES,
  HouseRulesSchema,
  SaveHouseRulesBodySchema,
} from './house-rules.js';
export type { HouseRules, SaveHouseRulesBody } from './house-rules.js';
export { LoginAnswerSchema, LogoutAnswerSchema, SeatRoleSchema } from './login.js';
export type { LoginAnswer, LogoutAnswer } from './login.js';
export {
  CreateRoomBodySchema,
  DEFAULT_ROOM_POLICY,
  LoginBodySchema,
  RoomPolicyRulesSchema,
  RoomRulesSchema,
} from './requests.js';
export type { CreateRoomInput, LoginBody, RoomPolicyRules } from './requests.js';
export {
  CreatedRoomSchema,
  ForcedRuleSchema,
  MatchIDSchema,
  RoomListSchema,
  RoomSchema,
  SeatGrantSchema,
  SeatSchema,
} from './rooms.js';
export type { CreatedRoom, ForcedRule, Room, RoomList, Seat, SeatGrant } from './rooms.js';
export {
  ActorSchema,
  FEED_EVENTS,
  LastEventIdSchema,
  OutboxStatusSchema,
  SandboxSubmitAnswerSchema,
  VerificationListSchema,
  VerificationStatusSchema,
  feedEventId,
} from './verifications.js';
export type { SandboxSubmitAnswer, VerificationList } from './verifications.js';
export type { OutboxStatus, VerificationStatus } from '../server/outbox/types.js';
export type { SeatRole } from '../plugin/types.js';
export type { Actor } from '../chaster/schemas.js';
