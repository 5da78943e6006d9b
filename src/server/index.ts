/**
 * `bgio-chaster/server`: the game server module — storage with the transactional outbox, the
 * dispatcher, seat bindings, the HTTP API and the socket guard.
 */
export {
  DEFAULT_RETENTION,
  DEFAULT_SOCKET_LIMITS,
  createGameServer,
  stopOnSignals,
} from './game-server.js';
export type { GameServer, GameServerOptions } from './game-server.js';
export { SqliteStore, openSqlite } from './db/sqlite.js';
export type { SqliteSynchronous } from './db/sqlite.js';
export type { StoreOptions } from './db/match-store.js';
export { SqliteRepository } from './db/sqlite-repository.js';
export { PostgresStore } from './db/postgres.js';
export { OUTBOX_CHANNEL, listenOutbox } from './db/pg-notify.js';
export type { OutboxListener } from './db/pg-notify.js';
export { PgRepository, createPostgresPool } from './db/pg-repository.js';
export { migratePostgres } from './db/postgres-schema.js';
export { RedisPubSub } from './redis-pubsub.js';
export { LocalPubSub, MatchTransport } from './transport.js';
export type { CommittedCheck, GenericPubSub } from './transport.js';
export type * from './db/types.js';
export { backoffDelay, createDispatcher, outcomeOf } from './outbox/dispatcher.js';
export type { Dispatcher, DispatcherOptions, RetryRules, SendResult } from './outbox/dispatcher.js';
export { localBudget, redisBudget } from './outbox/budget.js';
export type { ChasterBudget } from './outbox/budget.js';
export { OutboxChanges } from './outbox/changes.js';
export type { OutboxChangeListener } from './outbox/changes.js';
export { REFUSALS } from './outbox/policy.js';
export { FINAL_STATUSES, OUTBOX_STATUSES, toVerificationStatus } from './outbox/types.js';
export { HISTORY_LOG_STATUSES, customLogOf, matchResult } from './outbox/history-log.js';
export type { HistoryLogRow, HistoryLogStatus } from './outbox/history-log.js';
export type { OutboxRow, OutboxStatus, VerificationStatus } from './outbox/types.js';
export { VerificationFeed } from './feed.js';
export { serveStatic } from './static.js';
export { guardSockets, judgePacket, socketAdmission } from './guard.js';
export type { GuardContext, SocketAdmission, SocketLimits } from './guard.js';
export { createSeatCheck } from './auth.js';
export type { SeatCheck } from './auth.js';
export type { RoomPolicyRules, RoomSetupData } from './routes.js';
export type { SeatRole } from '../plugin/index.js';
