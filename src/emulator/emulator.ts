/**
 * A local stand-in for the Chaster Extensions API: a real HTTP server with the routes this project
 * uses (sessions, verification requests, custom logs, the configuration page's token), NestJS-style
 * errors, the control routes of docs/emulator.md, fault injection and webhooks.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { request as undiciRequest } from 'undici';
import { z } from 'zod';
import {
  ASSUMED_ERRORS,
  CREATED_STATUS,
  CUSTOM_LOG_DEFAULT_ROLE,
  CUSTOM_LOG_EXTENSION_USER,
  LOG_SEARCH_PAGE,
} from './assumptions.js';
import type { AssumedError } from './assumptions.js';
import { FaultsSchema, createFaultPicker, rateLimitHeaders } from './faults.js';
import type { FaultKind, Faults, FaultsInput } from './faults.js';
import { EmulatorState, objectId, verificationCode } from './state.js';
import type {
  ConfigurationRole,
  CreateLockInput,
  CreatedLock,
  EmulatedLock,
  ExtensionConfig,
} from './state.js';

/** Where and how the emulator posts webhooks. */
export interface WebhookTarget {
  url: string;
  user?: string;
  password?: string;
}

/** Options of `createChasterEmulator`. */
export interface EmulatorOptions {
  /** Developer token the emulator accepts. Default `emulator-dev-token`. */
  token?: string;
  /** Where `action_log.created` webhooks go when a picture is submitted. */
  webhook?: WebhookTarget;
  /** Slug of our extension in emulated sessions. Default `bgio-chaster`. */
  extensionSlug?: string;
  /** Clock, for tests. */
  now?: () => number;
}

/** One verification request the emulator received, rejected ones included. */
export interface ReceivedVerificationRequest {
  sessionId: string;
  /** The actor as sent (not validated), or null when absent. */
  actor: string | null;
  /** HTTP status answered; 0 when the connection was dropped without an answer. */
  status: number;
  /** ISO time the request arrived. */
  at: string;
  /** The injected fault, when one hit this request. */
  fault?: Exclude<FaultKind, 'none'>;
}

/** One custom log as the lock history shows it: `%USER%` in the title replaced. */
export interface CustomLogEntry {
  sessionId: string;
  /** The title with `%USER%` replaced by the username the role names. */
  title: string;
  description: string;
  /** The role as sent, or the assumed default when none was. */
  role: string;
  /** ISO time the log was written. */
  at: string;
}

/** The webhook envelope Chaster posts: `{event, data, sentAt, requestId}`. */
export interface WebhookEnvelope {
  event: string;
  data: Record<string, unknown>;
  sentAt: string;
  requestId: string;
}

/** Result of a wearer submitting a picture. */
export interface SubmitResult {
  requestId: string;
  verificationCode: string;
  /** The webhook sent, and the status the receiver answered (0 when it could not be reached). */
  webhook: { url: string; status: number; envelope: WebhookEnvelope } | null;
}

/** A running (or ready to run) Chaster emulator. */
export interface ChasterEmulator {
  /** `http://host:port` once listening. */
  readonly url: string;
  /** The developer token it accepts. */
  readonly token: string;
  /** Starts listening; resolves to the URL. Port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
  /** Creates a lock with our extension's session (what `POST /__emulator/locks` does). */
  createLock(input?: CreateLockInput): CreatedLock;
  /** Every verification request received, in order. */
  requests(): ReceivedVerificationRequest[];
  /** How many mainToken exchanges (`GET /api/extensions/auth/sessions/:mainToken`) it answered. */
  authCalls(): number;
  /** Custom log bodies a session's lock received, as sent (`%USER%` kept), in order. */
  customLogs(sessionId: string): Array<Record<string, unknown>>;
  /** Every custom log as the lock history shows it, every session, in order (`GET /__emulator/custom-logs`). */
  customLogEntries(): CustomLogEntry[];
  /**
   * Mints a partnerConfigurationToken for a lock's configuration page, as `role` (default
   * `keyholder`); throws `EmulatorHttpError` for an unknown lock, or a keyholder on a self-lock.
   */
  configurationToken(lockId: string, role?: ConfigurationRole): string;
  /** Replaces a lock's saved config (`PUT /__emulator/locks/:lockId/config`). */
  setConfig(lockId: string, config: ExtensionConfig): void;
  /** Replaces the fault settings; throws a ZodError on bad settings. */
  setFaults(faults: FaultsInput): Faults;
  clearFaults(): void;
  /** The wearer submits a picture: clears the pending request and posts the webhook. */
  submit(sessionId: string): Promise<SubmitResult>;
  /** Points webhooks somewhere else (or nowhere). */
  setWebhook(target: WebhookTarget | undefined): void;
  /** The underlying node:http server. */
  readonly server: Server;
}

const MAX_BODY_BYTES = 64 * 1024;

const CreateLockSchema = z.strictObject({
  verificationPicture: z.boolean().optional(),
  keyholder: z.boolean().optional(),
  title: z.string().min(1).max(200).optional(),
  wearerName: z.string().min(1).max(60).optional(),
  keyholderName: z.string().min(1).max(60).optional(),
  tokenTtlMs: z.number().int().positive().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

const ConfigurationTokenBodySchema = z.strictObject({
  role: z.enum(['keyholder', 'wearer']).optional(),
});

const SetConfigBodySchema = z.strictObject({ config: z.record(z.string(), z.unknown()) });

/** What a configuration save carries; anything but an object as `config` is refused. */
const SaveConfigurationSchema = z.looseObject({ config: z.record(z.string(), z.unknown()) });

/** A history search, as the generated client types `GetPartnerLogsDto`. */
const SearchLogsBodySchema = z.looseObject({
  role: z.enum(['keyholder', 'wearer', 'visitor'], {
    error: 'role must be one of the following values: keyholder, wearer, visitor',
  }),
  limit: z
    .number({ error: 'limit must be a number' })
    .int()
    .min(1)
    .max(LOG_SEARCH_PAGE.maxLimit, `limit must not be greater than ${LOG_SEARCH_PAGE.maxLimit}`)
    .optional(),
  lastId: z.string({ error: 'lastId must be a string' }).optional(),
  showOnlyExtensionActions: z
    .boolean({ error: 'showOnlyExtensionActions must be a boolean' })
    .optional(),
});

const CustomLogBodySchema = z.looseObject({
  title: z.string({ error: 'title must be a string' }).min(1, 'title should not be empty'),
  description: z.string({ error: 'description must be a string' }),
  role: z
    .enum(['user', 'wearer', 'keyholder', 'extension'], {
      error: 'role must be one of the following values: user, wearer, keyholder, extension',
    })
    .optional(),
  icon: z.string({ error: 'icon must be a string' }).optional(),
  color: z.string({ error: 'color must be a string' }).optional(),
});

/** An error answer of the emulator; thrown by its in-process methods too (e.g. `submit`). */
export class EmulatorHttpError extends Error {
  override readonly name = 'EmulatorHttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const message = (body as { message?: unknown } | null)?.message;
    super(typeof message === 'string' ? message : `HTTP ${status}`);
  }
}

/** NestJS's default error body for a status and message. */
function nestError(status: number, message: string | string[]): Record<string, unknown> {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return message === names[status]
    ? { statusCode: status, message }
    : { statusCode: status, message, error: names[status] ?? 'Error' };
}

function assumed(e: AssumedError): EmulatorHttpError {
  return new EmulatorHttpError(e.status, nestError(e.status, e.message));
}

/** Creates a Chaster emulator; call `listen()` to serve it. */
export function createChasterEmulator(options: EmulatorOptions = {}): ChasterEmulator {
  const token = options.token ?? 'emulator-dev-token';
  const now = options.now ?? Date.now;
  const state = new EmulatorState(options.extensionSlug ?? 'bgio-chaster', now);
  const received: ReceivedVerificationRequest[] = [];
  let authCalls = 0;
  const customLogs = new Map<string, Array<Record<string, unknown>>>();
  const customLogEntries: CustomLogEntry[] = [];
  let webhook = options.webhook;
  let faults: Faults | undefined;
  let pickFault: () => FaultKind = () => 'none';
  let url = '';

  function setFaults(input: FaultsInput): Faults {
    const parsed = FaultsSchema.parse(input);
    faults = parsed;
    pickFault = createFaultPicker(parsed);
    return parsed;
  }

  function clearFaults(): void {
    faults = undefined;
    pickFault = () => 'none';
  }

  async function submit(sessionId: string): Promise<SubmitResult> {
    const lock = state.locks.get(sessionId);
    if (!lock)
      throw new EmulatorHttpError(404, {
        error: 'not_found',
        message: `No emulated session ${sessionId}`,
      });
    if (!lock.pending) {
      throw new EmulatorHttpError(409, {
        error: 'no_pending_request',
        message: 'This session has no pending verification request; request one first',
      });
    }
    const code = lock.pending.verificationCode;
    const submittedAt = new Date(now()).toISOString();
    lock.pending = null;
    lock.nbVerificationPictures += 1;
    const imageKey = `emulator/${objectId()}.jpg`;
    lock.lastVerificationPicture = { imageKey, submittedAt, verificationCode: code };
    const actionLog = {
      _id: objectId(),
      type: 'verification_picture_submitted',
      role: 'user',
      extension: 'verification-picture',
      title: 'Verification picture submitted',
      description: '',
      icon: 'camera',
      color: null,
      createdAt: submittedAt,
      lock: lock.lockId,
      user: lock.wearer,
      payload: { verificationCode: code, imageFile: { key: imageKey }, peerVerificationId: null },
    };
    lock.history.push({ ...actionLog, color: undefined });
    const envelope: WebhookEnvelope = {
      event: 'action_log.created',
      data: { sessionId, actionLog },
      sentAt: new Date(now()).toISOString(),
      requestId: randomUUID(),
    };
    if (!webhook) return { requestId: envelope.requestId, verificationCode: code, webhook: null };
    return {
      requestId: envelope.requestId,
      verificationCode: code,
      webhook: { url: webhook.url, status: await postWebhook(webhook, envelope), envelope },
    };
  }

  // --- the Extensions API -------------------------------------------------------------------

  function requireBearer(req: IncomingMessage): void {
    if (req.headers.authorization !== `Bearer ${token}`) throw assumed(ASSUMED_ERRORS.unauthorized);
  }

  function lockOf(sessionId: string): EmulatedLock {
    const lock = state.locks.get(sessionId);
    if (!lock) throw assumed(ASSUMED_ERRORS.sessionNotFound);
    return lock;
  }

  function requestVerification(lock: EmulatedLock, body: unknown): void {
    const actor = (body as { actor?: unknown } | null)?.actor;
    if (actor !== 'wearer' && actor !== 'keyholder' && actor !== 'extension')
      throw assumed(ASSUMED_ERRORS.invalidActor);
    if (!lock.verificationPicture) throw assumed(ASSUMED_ERRORS.extensionNotEnabled);
    if (actor === 'keyholder' && !lock.keyholder) throw assumed(ASSUMED_ERRORS.noKeyholder);
    if (lock.pending) throw assumed(ASSUMED_ERRORS.alreadyPending);
    const requestedAt = new Date(now()).toISOString();
    lock.pending = { requestedAt, actor, verificationCode: verificationCode() };
    lock.history.push({
      _id: objectId(),
      type: 'verification_picture_requested',
      role: actor === 'wearer' ? 'user' : actor,
      title: 'Verification picture requested',
      description: '',
      icon: 'camera',
      createdAt: requestedAt,
    });
  }

  function writeCustomLog(lock: EmulatedLock, body: unknown): void {
    const parsed = CustomLogBodySchema.safeParse(body);
    if (!parsed.success)
      throw new EmulatorHttpError(
        400,
        nestError(
          400,
          parsed.error.issues.map((i) => i.message),
        ),
      );
    const entry = {
      _id: objectId(),
      type: 'custom',
      createdAt: new Date(now()).toISOString(),
      ...parsed.data,
    };
    const role = entry.role ?? CUSTOM_LOG_DEFAULT_ROLE;
    // split/join, not replaceAll: a username holding "$&" must not be read as a pattern.
    const title = entry.title.split('%USER%').join(placeholderUser(lock, role));
    lock.history.push({ ...entry, title, role });
    const list = customLogs.get(lock.sessionId) ?? [];
    list.push(entry);
    customLogs.set(lock.sessionId, list);
    customLogEntries.push({
      sessionId: lock.sessionId,
      title,
      description: entry.description,
      role,
      at: entry.createdAt,
    });
  }

  /** A page of a lock's history, newest first (`LOG_SEARCH_PAGE`). */
  function searchLogs(lock: EmulatedLock, body: unknown) {
    const parsed = SearchLogsBodySchema.safeParse(body);
    if (!parsed.success)
      throw new EmulatorHttpError(
        400,
        nestError(
          400,
          parsed.error.issues.map((i) => i.message),
        ),
      );
    const { limit = LOG_SEARCH_PAGE.defaultLimit, lastId, showOnlyExtensionActions } = parsed.data;
    let entries = [...lock.history].reverse();
    if (showOnlyExtensionActions) entries = entries.filter((e) => e.type === 'custom');
    const start = lastId === undefined ? 0 : entries.findIndex((e) => e._id === lastId) + 1;
    const page = entries.slice(start, start + limit);
    return { results: page, count: entries.length, hasMore: start + limit < entries.length };
  }

  // --- the configuration page ---------------------------------------------------------------

  function lockById(lockId: string): EmulatedLock {
    const lock = state.lockById(lockId);
    if (!lock)
      throw new EmulatorHttpError(404, {
        error: 'not_found',
        message: `No emulated lock ${lockId}`,
      });
    return lock;
  }

  function configurationToken(lockId: string, role: ConfigurationRole = 'keyholder'): string {
    const lock = lockById(lockId);
    if (role === 'keyholder' && !lock.keyholder) {
      throw new EmulatorHttpError(400, {
        error: 'invalid_request',
        message: 'This lock has no keyholder: ask for a wearer token instead',
      });
    }
    return state.mintConfigurationToken(lock, role);
  }

  function setConfig(lockId: string, config: ExtensionConfig): void {
    lockById(lockId).config = structuredClone(config);
  }

  /** The configuration a token opens, and its grant; unknown or expired tokens are refused. */
  function configurationOf(token: string) {
    const grant = state.configurationGrant(token);
    const lock = grant && state.locks.get(grant.sessionId);
    if (!grant || !lock) throw assumed(ASSUMED_ERRORS.configurationNotFound);
    return { grant, lock };
  }

  function saveConfiguration(token: string, body: unknown): Record<string, unknown> {
    const { grant, lock } = configurationOf(token);
    if (grant.role !== 'keyholder') throw assumed(ASSUMED_ERRORS.configurationReadOnly);
    const parsed = SaveConfigurationSchema.safeParse(body);
    if (!parsed.success) throw assumed(ASSUMED_ERRORS.invalidConfiguration);
    lock.config = structuredClone(parsed.data.config);
    return state.configurationFor(lock, grant);
  }

  /** Routes one `/api/extensions/...` call; returns [status, body]. */
  async function api(
    req: IncomingMessage,
    path: string,
    body: unknown,
  ): Promise<[number, unknown]> {
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = path.match(/^\/api\/extensions\/auth\/sessions\/([^/]+)$/))) {
      authCalls += 1;
      requireBearer(req);
      const grant = state.grant(safeDecode(m[1]!));
      if (!grant) throw assumed(ASSUMED_ERRORS.mainTokenNotFound);
      const lock = lockOf(grant.sessionId);
      return [
        200,
        {
          role: grant.role,
          session: state.sessionForPartner(lock),
          lockForUser: state.lockForPublic(lock, grant.role),
          userId: grant.userId,
        },
      ];
    }
    if (req.method === 'GET' && (m = path.match(/^\/api\/extensions\/sessions\/([^/]+)$/))) {
      requireBearer(req);
      return [200, { session: state.sessionForPartner(lockOf(safeDecode(m[1]!))) }];
    }
    if ((m = path.match(/^\/api\/extensions\/configurations\/([^/]+)$/))) {
      if (req.method === 'GET') {
        requireBearer(req);
        const { grant, lock } = configurationOf(safeDecode(m[1]!));
        return [200, state.configurationFor(lock, grant)];
      }
      if (req.method === 'PUT') {
        requireBearer(req);
        return [200, saveConfiguration(safeDecode(m[1]!), body)];
      }
    }
    if (
      req.method === 'POST' &&
      (m = path.match(/^\/api\/extensions\/sessions\/([^/]+)\/logs\/custom$/))
    ) {
      requireBearer(req);
      writeCustomLog(lockOf(safeDecode(m[1]!)), body);
      return [CREATED_STATUS, undefined];
    }
    if (
      req.method === 'POST' &&
      (m = path.match(/^\/api\/extensions\/sessions\/([^/]+)\/logs\/search$/))
    ) {
      requireBearer(req);
      return [200, searchLogs(lockOf(safeDecode(m[1]!)), body)];
    }
    if (
      req.method === 'POST' &&
      (m = path.match(/^\/api\/extensions\/sessions\/([^/]+)\/verification-picture\/request$/))
    ) {
      requireBearer(req);
      requestVerification(lockOf(safeDecode(m[1]!)), body);
      return [CREATED_STATUS, undefined];
    }
    throw new EmulatorHttpError(404, nestError(404, `Cannot ${req.method} ${path}`));
  }

  // --- control routes -----------------------------------------------------------------------

  async function control(
    req: IncomingMessage,
    path: string,
    body: unknown,
  ): Promise<[number, unknown]> {
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && path === '/__emulator/locks') {
      return [201, state.createLock(parseControl(CreateLockSchema, body ?? {}))];
    }
    if (req.method === 'GET' && path === '/__emulator/requests') return [200, received];
    if (req.method === 'GET' && path === '/__emulator/custom-logs') return [200, customLogEntries];
    if (
      req.method === 'POST' &&
      (m = path.match(/^\/__emulator\/locks\/([^/]+)\/configuration-token$/))
    ) {
      const { role } = parseControl(ConfigurationTokenBodySchema, body ?? {});
      return [201, { token: configurationToken(safeDecode(m[1]!), role) }];
    }
    if (req.method === 'PUT' && (m = path.match(/^\/__emulator\/locks\/([^/]+)\/config$/))) {
      const lockId = safeDecode(m[1]!);
      setConfig(lockId, parseControl(SetConfigBodySchema, body).config);
      return [200, { lockId, config: lockById(lockId).config }];
    }
    if (req.method === 'POST' && path === '/__emulator/faults') {
      const parsed = FaultsSchema.safeParse(body ?? {});
      if (!parsed.success) throw controlError(parsed.error);
      return [200, setFaults(parsed.data)];
    }
    if (req.method === 'DELETE' && path === '/__emulator/faults') {
      clearFaults();
      return [200, { cleared: true }];
    }
    if (req.method === 'POST' && (m = path.match(/^\/__emulator\/sessions\/([^/]+)\/submit$/))) {
      return [200, await submit(safeDecode(m[1]!))];
    }
    throw new EmulatorHttpError(404, {
      error: 'not_found',
      message: `No control route ${req.method} ${path}`,
    });
  }

  // --- HTTP plumbing ------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const isApi = path.startsWith('/api/');
    const verification = /\/verification-picture\/request$/.test(path) && req.method === 'POST';
    const history = /\/logs\/(custom|search)$/.test(path) && req.method === 'POST';
    const record: ReceivedVerificationRequest | undefined = verification
      ? {
          sessionId: safeDecode(path.split('/')[4] ?? ''),
          actor: null,
          status: 0,
          at: new Date(now()).toISOString(),
        }
      : undefined;
    if (record) received.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (record) record.status = status;
      const payload =
        body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const type =
        typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
      res.writeHead(status, {
        ...(payload === '' ? {} : { 'content-type': type }),
        'content-length': Buffer.byteLength(payload),
        'x-chaster-transaction-id': randomUUID(),
        ...headers,
      });
      res.end(payload);
    };
    try {
      const body = await readJson(req);
      if (record) {
        const actor = (body as { actor?: unknown } | undefined)?.actor;
        record.actor = typeof actor === 'string' ? actor : null;
      }
      const inScope =
        faults &&
        isApi &&
        (faults.scope === 'api' ||
          (faults.scope === 'verification' && verification) ||
          (faults.scope === 'history' && history));
      let lostAnswer = false;
      if (faults && inScope) {
        const fault = pickFault();
        lostAnswer = fault === 'lost_answer';
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        if (fault !== 'none' && record) record.fault = fault;
        if (fault === 'drop') return dropMidResponse(res);
        if (fault === 'stall') return stallThenDrop(res, faults.stallMs);
        if (fault === 'rate_limit') {
          return send(
            429,
            nestError(429, 'ThrottlerException: Too Many Requests'),
            rateLimitHeaders(faults, now()),
          );
        }
        if (fault === 'error') {
          return send(
            faults.errorStatus,
            faults.errorBody ?? nestError(faults.errorStatus, 'Service Unavailable'),
          );
        }
        if (fault === 'garble') return send(200, '<html><body>Welcome to nginx!</body></html>');
      }
      const [status, answer] = isApi ? await api(req, path, body) : await control(req, path, body);
      // Done, and the answer lost on the way: the caller cannot tell whether it landed.
      if (lostAnswer) {
        res.destroy();
        return;
      }
      send(status, answer);
    } catch (error) {
      if (error instanceof EmulatorHttpError) return send(error.status, error.body);
      send(500, nestError(500, 'Internal server error'));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;

  return {
    get url() {
      return url;
    },
    token,
    server,
    async listen(port = 0, host = '127.0.0.1') {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${shownHost}:${address.port}`;
      return url;
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    createLock: (input) => state.createLock(parseControl(CreateLockSchema, input ?? {})),
    requests: () => received.map((r) => ({ ...r })),
    authCalls: () => authCalls,
    customLogs: (sessionId) => [...(customLogs.get(sessionId) ?? [])],
    customLogEntries: () => customLogEntries.map((entry) => ({ ...entry })),
    configurationToken,
    setConfig: (lockId, config) =>
      setConfig(lockId, parseControl(SetConfigBodySchema, { config }).config),
    setFaults,
    clearFaults,
    submit,
    setWebhook(target) {
      webhook = target;
    },
  };
}

/** The username `%USER%` stands for in a custom log written with `role`. */
function placeholderUser(lock: EmulatedLock, role: string): string {
  const whose =
    role === 'keyholder'
      ? 'keyholder'
      : role === 'extension'
        ? CUSTOM_LOG_EXTENSION_USER
        : 'wearer';
  return (whose === 'keyholder' && lock.keyholder ? lock.keyholder : lock.wearer).username;
}

/** Posts one webhook with Basic auth; resolves to the receiver's status, or 0 when unreachable. */
async function postWebhook(target: WebhookTarget, envelope: WebhookEnvelope): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.user !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${target.user}:${target.password ?? ''}`).toString('base64')}`;
  }
  try {
    const res = await undiciRequest(target.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(envelope),
      signal: AbortSignal.timeout(10_000),
    });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

function parseControl<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw controlError(parsed.error);
  return parsed.data;
}

function controlError(error: z.ZodError): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: 'invalid_request', message: z.prettifyError(error) });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new EmulatorHttpError(413, nestError(413, 'request entity too large'));
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new EmulatorHttpError(400, nestError(400, 'Unexpected token in JSON body'));
  }
}

function dropMidResponse(res: ServerResponse): void {
  // A status line and half a body, then the socket goes away: the client sees the answer start
  // and then a reset, as when a proxy or the server dies mid-response.
  const socket = res.socket;
  if (!socket) return;
  socket.write(
    'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"sta',
  );
  socket.destroy();
}

function stallThenDrop(res: ServerResponse, ms: number): void {
  const timer = setTimeout(() => res.socket?.destroy(), ms);
  res.on('close', () => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
