/**
 * `createGameServer`: a boardgame.io server with the verification outbox wired in — SQLite
 * storage whose `setState` also writes the outbox, the dispatcher that delivers it to Chaster,
 * seats bound to logins and their Chaster sessions, the status feed, webhooks, and the socket guard.
 */
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  Server as HttpServer,
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import type Koa from 'koa';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createChasterClient } from '../chaster/index.js';
import type { ChasterClient, ChasterClientOptions } from '../chaster/index.js';
import { createSeatCheck, parseSeatCredentials, randomId } from './auth.js';
import { Server } from './bgio.js';
import type { AnyGame } from './bgio.js';
import { PgRepository, createPostgresPool } from './db/pg-repository.js';
import { migratePostgres } from './db/postgres-schema.js';
import { PostgresStore } from './db/postgres.js';
import { listenOutbox } from './db/pg-notify.js';
import { SqliteRepository } from './db/sqlite-repository.js';
import { startCheckpointer } from './db/checkpointer.js';
import { SqliteStore, openSqlite } from './db/sqlite.js';
import type { PruneResult, Repository, RetentionPolicy } from './db/types.js';
import { RedisPubSub } from './redis-pubsub.js';
import type { SqliteSynchronous } from './db/sqlite.js';
import { VerificationFeed } from './feed.js';
import { guardSockets, socketAdmission } from './guard.js';
import { HttpError, cors, jsonErrors } from './http.js';
import { redisBudget } from './outbox/budget.js';
import { budgetCapacity, createDispatcher } from './outbox/dispatcher.js';
import type { Dispatcher, DispatcherOptions } from './outbox/dispatcher.js';
import type { SocketLimits } from './guard.js';
import { DEFAULT_API_LIMITS, createLimits } from './limits.js';
import type { ApiLimits } from './limits.js';
import { apiRoutes } from './routes.js';
import { LocalPubSub, MatchTransport } from './transport.js';
import { OutboxChanges } from './outbox/changes.js';

/** Options of `createGameServer`. */
export interface GameServerOptions {
  /** The boardgame.io games this server runs; each should use `VerificationPlugin`. */
  games: AnyGame[];
  /** How to reach Chaster: client options, or a client you made. */
  chaster: (Omit<ChasterClientOptions, 'baseUrl'> & { baseUrl?: string }) | ChasterClient;
  /** SQLite file, or a `postgres://…` URL to share state with other instances. Default `./data/bgio-chaster.sqlite`. */
  database?: string;
  /** `redis://…`: fan boardgame.io's socket updates out between instances. */
  redisUrl?: string;
  /** SQLite durability: NORMAL (default) survives a process crash, FULL also an OS crash or power cut. */
  synchronous?: SqliteSynchronous;
  /** Key of our bearer tokens. Default: generated once and kept in the database. */
  tokenSecret?: string;
  /** Basic auth of `POST /api/chaster/webhooks`; without it the route answers 503. */
  webhook?: { user: string; password: string };
  /**
   * Sandbox mode, against your own emulator only: a seated wearer may answer their pending
   * picture request from the page (`POST /api/rooms/:matchID/verifications/sandbox-submit`), and
   * the login answer says `sandbox: true`. Pass `{ submitPicture: (id) => emulator.submit(id) }`.
   */
  sandbox?: { submitPicture(sessionId: string): Promise<unknown> };
  /** Retry, rate limit and lease settings of the dispatcher. */
  dispatcher?: DispatcherOptions;
  /** How long finished matches, abandoned matches and final requests are kept. */
  retention?: Partial<RetentionPolicy>;
  /**
   * Origins besides the server's own whose pages may call the API and open sockets, e.g.
   * `https://games.example.com`. Default: none.
   */
  origins?: string[];
  /** Caps on open sockets; see `DEFAULT_SOCKET_LIMITS`. */
  sockets?: Partial<Omit<SocketLimits, 'origins'>>;
  /**
   * Rates (logins, rooms), open streams and the operator's bounds on room policies; see
   * `DEFAULT_API_LIMITS`. With `redisUrl` every instance shares the counts.
   */
  limits?: Partial<ApiLimits>;
  /** pino logger. Default: JSON to stdout at LOG_LEVEL (info). */
  logger?: Logger;
}

/** A game server, ready to listen. */
export interface GameServer<
  Store extends SqliteStore | PostgresStore = SqliteStore | PostgresStore,
> {
  /** The Koa app: add your own middleware (before `listen`). */
  readonly app: Koa<Koa.DefaultState, Koa.DefaultContext>;
  /** boardgame.io storage: `SqliteStore` (a file) or `PostgresStore` (a `postgres://` database). */
  readonly store: Store;
  readonly repository: Repository;
  readonly dispatcher: Dispatcher;
  readonly feed: VerificationFeed;
  /** Every outbox row change once committed (on Postgres, made by any instance). */
  readonly changes: OutboxChanges;
  /** Deletes what the retention policy no longer needs (also runs hourly once listening). */
  prune(now?: number): Promise<PruneResult>;
  /** Starts HTTP, sockets and the dispatcher; resolves to the base URL. Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops taking work, waits for in-flight Chaster calls, closes everything. */
  stop(): Promise<void>;
}

/** Largest socket.io message: a move with its declared arguments is far smaller. */
const SOCKET_MAX_BYTES = 16 * 1024;
/** Default caps on open sockets: in all, and from one client address. */
export const DEFAULT_SOCKET_LIMITS: Omit<SocketLimits, 'origins'> = {
  maxSockets: 10_000,
  maxSocketsPerAddress: 64,
};
const DAY = 24 * 60 * 60 * 1000;
/** Default retention: finished matches a week, abandoned ones and final requests a month. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  finishedMatchesMs: 7 * DAY,
  idleMatchesMs: 30 * DAY,
  finalRequestsMs: 30 * DAY,
};
const PRUNE_EVERY_MS = 60 * 60 * 1000;
type SocketIOOptions = NonNullable<ConstructorParameters<typeof MatchTransport>[0]>;
let rejectionsHandled = false;

/** Creates a game server with the verification outbox wired in. */
export async function createGameServer(options: GameServerOptions): Promise<GameServer> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const leaseMs = options.dispatcher?.leaseMs ?? 30_000;
  const timeoutMs = isClient(options.chaster) ? undefined : (options.chaster.timeoutMs ?? 10_000);
  if (timeoutMs !== undefined && leaseMs <= 2 * timeoutMs) {
    // A claimed request may wait for one send to free a slot, then take one itself; a send still
    // running when its lease ends would be claimed and sent again.
    throw new RangeError(
      `dispatcher.leaseMs (${leaseMs}) must be longer than twice chaster.timeoutMs (${timeoutMs}): a claimed request may wait for one send, then make its own`,
    );
  }
  const storage = await openStorage(options, logger);
  const { store, repository } = storage;
  const secret =
    options.tokenSecret ?? (await repository.setSettingIfAbsent('token_secret', randomId(32)));
  const ownClient = !isClient(options.chaster);
  const chaster = isClient(options.chaster)
    ? options.chaster
    : createChasterClient({ baseUrl: 'https://api.chaster.app', ...options.chaster });

  const feed = new VerificationFeed();
  // With Redis, every instance of this database spends from one Chaster budget and shares the
  // API's rate counts. Commands fail fast while Redis is away: each instance then counts alone.
  const sharedRedis = options.redisUrl
    ? new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  sharedRedis?.on('error', (error) =>
    logger.error({ err: error }, 'redis error (limits and Chaster budget)'),
  );
  const deployment = await repository.setSettingIfAbsent('deployment_id', randomId(12));
  const dispatcher = createDispatcher({
    repository,
    client: chaster,
    logger,
    options: {
      ...options.dispatcher,
      budget:
        options.dispatcher?.budget ??
        (sharedRedis &&
          redisBudget(
            sharedRedis,
            `bgio-chaster:${deployment}:chaster-budget`,
            {
              ratePerMinute: options.dispatcher?.ratePerMinute ?? 60,
              capacity: budgetCapacity(options.dispatcher ?? {}),
            },
            (error) =>
              logger.warn({ err: error }, 'shared Chaster budget unreachable; counting here'),
          )),
    },
  });
  // The one publisher of outbox changes: the status feed and the dispatcher hear every change
  // committed by this instance (SQLite) or by any instance (Postgres, through NOTIFY).
  const stopListening = storage.changes.subscribe((rows) => {
    for (const row of rows) feed.publish(row);
    // A row due now wakes the dispatcher; a retry's later attempt is already on its timer.
    const now = Date.now();
    if (rows.some((row) => row.status === 'queued' && row.nextAttemptAt <= now)) dispatcher.kick();
  });
  const onPubSubError = (error: unknown) => logger.error({ err: error }, 'pub/sub error');
  const committed = store.committed.bind(store);
  // Either way a new state is broadcast only once the store has committed it.
  const pubSub = options.redisUrl
    ? new RedisPubSub(options.redisUrl, onPubSubError, committed)
    : new LocalPubSub(committed, onPubSubError);
  const limits = createLimits(
    { ...DEFAULT_API_LIMITS, ...options.limits },
    sharedRedis,
    deployment,
  );
  const origins = options.origins ?? [];
  const admission = socketAdmission(
    { origins, ...DEFAULT_SOCKET_LIMITS, ...options.sockets },
    logger,
  );

  const seatCheck = createSeatCheck(repository);
  const server = Server({
    games: options.games,
    db: store,
    transport: new MatchTransport({
      // boardgame.io types socketOpts as the full ServerOptions; only these are meant to change.
      socketOpts: {
        maxHttpBufferSize: SOCKET_MAX_BYTES,
        allowRequest: admission.allowRequest,
        // The client script is bundled with the app; socket.io need not serve its own.
        serveClient: false,
        // boardgame.io passes `cors: { origins }`, which socket.io 3 ignores (its option is `origin`).
        cors: { origin: origins },
      } as SocketIOOptions['socketOpts'],
      pubSub: pubSub as SocketIOOptions['pubSub'],
      logger,
    }),
    origins,
    // Credentials name their match and seat; the seats table holds their hash. Always required.
    authenticateCredentials: async (credentials, playerMetadata) => {
      const owner = parseSeatCredentials(credentials);
      if (!owner || !playerMetadata || String(playerMetadata.id) !== owner.playerID) return false;
      return seatCheck.valid(owner.matchID, owner.playerID, credentials);
    },
  });
  const io = (server.app as unknown as { _io: SocketServer })._io;
  admission.track(io.engine);
  const matchExists = async (matchID: string) =>
    (await store.fetch(matchID, { metadata: true })).metadata !== undefined;
  guardSockets({
    io,
    games: options.games,
    seatCheck,
    matchExists,
    logger,
  });

  // These run before anything a user adds to `app`; what run() adds is dropped in listen().
  server.app.use(jsonErrors((error) => logger.error({ err: error }, 'request failed')));
  server.app.use(cors(origins));
  server.app.use(
    apiRoutes({
      games: options.games,
      db: store,
      repository,
      seatCheck,
      chaster,
      secret,
      feed,
      webhook: options.webhook,
      sandbox: options.sandbox,
      healthy: async () => dispatcher.healthy() && storage.hearing() && (await repository.ping()),
      limits,
      spendChasterToken: dispatcher.spendToken,
      logger,
    }),
  );

  let servers: { appServer: HttpServer; apiServer?: HttpServer } | undefined;
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  const prune = async (now = Date.now()) => {
    const result = await repository.prune(now, retention);
    // The SQLite store keeps recent matches in memory; the pruner deleted rows behind its back.
    if (result.matches > 0 && store instanceof SqliteStore) store.dropCache();
    if (Object.values(result).some((n) => n > 0)) {
      logger.info(result, 'pruned by the retention policy');
    }
    return result;
  };
  let pruner: NodeJS.Timeout | undefined;

  return {
    app: server.app as unknown as Koa,
    store,
    repository,
    dispatcher,
    feed,
    changes: storage.changes,
    async listen(port = 0, host) {
      keepAliveOnRejections(logger);
      const app = server.app as unknown as Koa;
      const ours = app.middleware.length;
      servers = (await server.run({ port })) as typeof servers;
      // run() added boardgame.io's Lobby (its router and CORS): none of it is served, in any
      // spelling. Whatever no route of ours answered is a 404.
      app.middleware.length = ours;
      app.use(notFound);
      const appServer = servers!.appServer;
      // A request must arrive whole within 30 s (responses, such as event streams, may last).
      appServer.requestTimeout = 30_000;
      appServer.headersTimeout = 20_000;
      serveCurrentMiddleware(appServer, app, logger);
      if (host !== undefined && host !== '::' && host !== '0.0.0.0') {
        // bgio's run() listens on every interface; rebind when a host was asked for.
        await new Promise<void>((resolve) => appServer.close(() => resolve()));
        await new Promise<void>((resolve) => appServer.listen(port, host, resolve));
      }
      dispatcher.start();
      const safePrune = () =>
        void prune().catch((error: unknown) => logger.error({ err: error }, 'prune failed'));
      safePrune();
      pruner = setInterval(safePrune, PRUNE_EVERY_MS);
      pruner.unref();
      const { port: bound } = appServer.address() as AddressInfo;
      return `http://${host && host !== '::' && host !== '0.0.0.0' ? host : '127.0.0.1'}:${bound}`;
    },
    prune,
    async stop() {
      clearInterval(pruner);
      await dispatcher.stop();
      if (servers) {
        const { appServer } = servers;
        const io = (server.app as unknown as { _io?: { close(): void } })._io;
        io?.close();
        appServer.closeAllConnections?.();
        await new Promise<void>((resolve) => appServer.close(() => resolve()));
      }
      if (ownClient) await chaster.close();
      stopListening();
      if (pubSub instanceof RedisPubSub) await pubSub.close();
      sharedRedis?.disconnect();
      await storage.close();
    },
  };
}

/** The last middleware: nothing is served unless a route above answered. */
async function notFound(ctx: Koa.Context): Promise<void> {
  throw new HttpError(404, 'not_found', `No route ${ctx.method} ${ctx.path.slice(0, 100)}.`);
}

/** socket.io's server, as boardgame.io's transport leaves it on the Koa app. */
type SocketServer = Parameters<typeof guardSockets>[0]['io'] & {
  engine: Parameters<ReturnType<typeof socketAdmission>['track']>[0];
};

/**
 * boardgame.io builds its HTTP handler from the Koa middleware present when `Server()` runs; with
 * koa-compose ≥ 4.2 (what a fresh install of a dependent project gets) middleware added later —
 * ours and the user's — would never run. So once everything is registered, HTTP requests go to a
 * handler composed now, and socket.io's own requests still go to socket.io.
 *
 * socket.io's engine (engine.io 4, under boardgame.io) sees only well-formed websocket upgrades:
 * a malformed one made its `ws` throw out of the event loop, and a connection reset during an
 * upgrade was an unhandled 'error' event; either ended the process.
 */
function serveCurrentMiddleware(httpServer: HttpServer, app: Koa, logger: Logger): void {
  const [socketIO] = httpServer.listeners('request') as RequestListener[];
  const upgrades = httpServer.listeners('upgrade') as UpgradeListener[];
  const koa = app.callback();
  httpServer.removeAllListeners('request');
  httpServer.removeAllListeners('upgrade');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (socketIO && req.url?.startsWith('/socket.io/')) socketIO.call(httpServer, req, res);
    else void koa(req, res);
  });
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    try {
      for (const listener of upgrades) listener.call(httpServer, req, socket, head);
    } catch (error) {
      logger.warn({ err: error }, 'websocket upgrade failed; connection closed');
      socket.destroy();
    }
  });
}

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** A websocket handshake for socket.io, as RFC 6455 spells it. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const { upgrade, connection } = req.headers;
  return (
    req.method === 'GET' &&
    req.url?.startsWith('/socket.io/') === true &&
    typeof upgrade === 'string' &&
    upgrade.toLowerCase() === 'websocket' &&
    typeof connection === 'string' &&
    /(^|,)\s*upgrade\s*(,|$)/i.test(connection) &&
    /^[A-Za-z0-9+/]{22}==$/.test(String(req.headers['sec-websocket-key'] ?? '')) &&
    req.headers['sec-websocket-version'] === '13'
  );
}

interface Storage {
  store: SqliteStore | PostgresStore;
  repository: Repository;
  /** Every outbox change committed by this instance (SQLite) or any instance (Postgres). */
  changes: OutboxChanges;
  /** False while this instance cannot hear other instances' changes (Postgres LISTEN lost). */
  hearing: () => boolean;
  close: () => Promise<void>;
}

/** Opens SQLite, or Postgres for a `postgres://` URL (creating and migrating the schema). */
async function openStorage(options: GameServerOptions, logger: Logger): Promise<Storage> {
  const database = options.database ?? './data/bgio-chaster.sqlite';
  const changes = new OutboxChanges((error) =>
    logger.error({ err: error }, 'outbox change listener failed'),
  );
  if (!/^postgres(ql)?:\/\//.test(database)) {
    const db = openSqlite(database, options.synchronous);
    const checkpointer = startCheckpointer(db, {
      onError: (message) => logger.error({ message }, 'WAL checkpoint failed'),
    });
    const store = new SqliteStore(db, { logger, changes });
    return {
      store,
      repository: new SqliteRepository(db, { changes }),
      changes,
      hearing: () => true,
      close: async () => {
        await checkpointer?.stop();
        // In the same synchronous run as the close: no move is accepted in between.
        store.flush();
        db.close();
      },
    };
  }
  const pool = createPostgresPool(database);
  pool.on('error', (error) => logger.error({ err: error }, 'postgres pool error'));
  await migratePostgres(pool);
  const listener = await listenOutbox(pool, changes, (error, what) =>
    logger.error({ err: error }, what),
  );
  const store = new PostgresStore(pool, { logger });
  return {
    store,
    repository: new PgRepository(pool),
    changes,
    hearing: () => listener.listening,
    close: async () => {
      await store.drain();
      await listener.stop();
      await pool.end();
    },
  };
}

function isClient(value: GameServerOptions['chaster']): value is ChasterClient {
  return typeof (value as ChasterClient).requestVerificationPicture === 'function';
}

/** In boardgame.io 0.50.2 a rejected socket handler would kill the process; log it instead. */
function keepAliveOnRejections(logger: Logger): void {
  if (rejectionsHandled) return;
  rejectionsHandled = true;
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled rejection (kept the process alive)');
  });
}

/**
 * Stops `server` gracefully on SIGTERM or SIGINT: no new claims, in-flight Chaster calls are
 * recorded, then the process exits 0. Returns a function that removes the handlers.
 */
export function stopOnSignals(server: Pick<GameServer, 'stop'>, logger?: Logger): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger?.info({ signal }, 'stopping: finishing in-flight requests');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger?.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
