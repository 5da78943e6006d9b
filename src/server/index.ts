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
export type { OutboxListener, SqliteSynchronous } from './db/sqlite.js';
export { SqliteRepository } from './db/sqlite-repository.js';
export { PostgresStore, OUTBOX_CHANNEL } from './db/postgres.js';
export { PgRepository, createPostgresPool } from './db/pg-repository.js';
export { migratePostgres } from './db/postgres-schema.js';
export { RedisPubSub } from './redis-pubsub.js';
export { LocalPubSub, MatchTransport } from './transport.js';
export type { CommittedCheck, GenericPubSub } from './transport.js';
export type {
  AuthSession,
  ClaimOptions,
  ClaimResult,
  ClaimedRequest,
  OutcomeUpdate,
  PruneResult,
  Repository,
  RetentionPolicy,
  RoomPolicy,
  SeatBinding,
} from './db/types.js';
export { backoffDelay, createDispatcher } from './outbox/dispatcher.js';
export type { Dispatcher, DispatcherOptions, RowListener } from './outbox/dispatcher.js';
export { FINAL_STATUSES, OUTBOX_STATUSES, toVerificationStatus } from './outbox/types.js';
export type { OutboxRow, OutboxStatus, VerificationStatus } from './outbox/types.js';
export { VerificationFeed } from './feed.js';
export { serveStatic } from './static.js';
export { guardSockets, judgePacket, socketAdmission } from './guard.js';
export type { GuardContext, SocketAdmission, SocketLimits } from './guard.js';
export { createSeatCheck } from './auth.js';
export type { SeatCheck } from './auth.js';
export type { RoomPolicyRules, RoomSetupData, SeatRole } from './routes.js';
