/**
 * `bgio-chaster/react`: React 19 components and hooks for a bgio-chaster game's page. A provider
 * signs in from Chaster's iframe hash and keeps the login fresh; hooks give the rooms, a seat and
 * a room's live verification requests; pure components lay out the timeline, seats and room
 * status, themed by CSS variables (`bgio-chaster/react/styles.css`). Built on
 * `bgio-chaster/client`.
 */
export { ChasterLoginProvider, LoginFallback, useLogin, useSignedIn } from './login.js';
export type { ChasterLoginProviderProps, LoginContextValue, SignedIn } from './login.js';
export { LOGIN_EXPIRED_MESSAGE, createLoginStore } from './login-store.js';
export type { LoginActions, LoginState, LoginStore, LoginStoreOptions } from './login-store.js';
export { usePoll } from './poll.js';
export type { PollInterval, Polled } from './poll.js';
export { useRoom, useRooms, useSeat } from './rooms.js';
export type { SeatState } from './rooms.js';
export { MAX_STATUSES, mergeStatuses, newestFirst, useVerifications } from './verifications.js';
export type { VerificationFeed } from './verifications.js';
export { LiveVerificationTimeline, VerificationTimeline } from './timeline.js';
export type { LiveVerificationTimelineProps, VerificationTimelineProps } from './timeline.js';
export { RoomStatus, SeatList, roomPhase, seatLabel, seatName } from './seats.js';
export type { RoomPhase, RoomStatusProps, SeatListProps } from './seats.js';
export {
  FEED_STATE_WORDS,
  ROLE_WORDS,
  STATUS_HINTS,
  STATUS_TONES,
  STATUS_WORDS,
  TONE_MARKS,
  actorWords,
  reasonWords,
} from './words.js';
export type { StatusTone } from './words.js';
export { HISTORY_EVERY_MS, useHistory } from './history.js';
export { MatchHistory, RESULT_HINTS, RESULT_TONES, RESULT_WORDS } from './history-view.js';
export type { MatchHistoryProps } from './history-view.js';
export {
  CHASTER_ORIGIN,
  ConfigurationSaveError,
  attachChasterSaveCapability,
  houseRulesForm,
  readHouseRulesForm,
  useChasterSaveCapability,
  useHouseRulesConfiguration,
} from './configuration.js';
export type {
  HouseRuleName,
  HouseRulesConfiguration,
  HouseRulesConfigurationOptions,
  HouseRulesForm,
  HouseRulesProblems,
  MessageEventLike,
  MessageTarget,
  SaveCapabilityOptions,
  SaveCapabilityWindow,
  SaveState,
} from './configuration.js';
