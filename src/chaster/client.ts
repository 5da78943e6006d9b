/**
 * The Chaster Extensions API client: one object per developer token, on a bounded undici Pool with
 * keep-alive, a precise deadline per call, zod validation both ways and typed errors.
 * It never retries: the caller (our outbox) owns retries, with `error.retryable` and
 * `error.retryAfterMs` to decide when.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { classifyAnswer, redact } from './classify.js';
import type { ChasterOperation } from './classify.js';
import { ChasterArgumentError, ChasterError } from './errors.js';
import {
  ActorSchema,
  ConfigurationSchema,
  ConfigurationTokenSchema,
  CustomLogSchema,
  ExtensionConfigSchema,
  GetSessionSchema,
  MainTokenSchema,
  SearchLogsAnswerSchema,
  SearchLogsBodySchema,
  SessionAuthSchema,
  SessionIdSchema,
  isSessionId,
} from './schemas.js';
import type {
  Actor,
  ChasterConfiguration,
  ChasterSession,
  CustomLog,
  ExtensionConfig,
  SearchLogsAnswer,
  SearchLogsBody,
  SessionAuth,
} from './schemas.js';

/** Options of `createChasterClient`. */
export interface ChasterClientOptions {
  /** API origin, e.g. `https://api.chaster.app` or an emulator's URL. */
  baseUrl: string;
  /** The developer token of the extension's application. Never logged, never put in an error. */
  token: string;
  /** Application client id, sent as `X-Chaster-Client-Id` when set. */
  clientId?: string;
  /** Deadline of one call, from sending to the last byte of the answer. Default 10 s. */
  timeoutMs?: number;
  /** Most sockets open to Chaster at once. Default 8. */
  connections?: number;
  /** Largest answer body read, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Use this undici dispatcher instead of the client's own Pool (it is then not closed by `close`). */
  dispatcher?: Dispatcher;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call; the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Overrides the client's deadline for this call. */
  timeoutMs?: number;
}

/** A Chaster Extensions API client (see `createChasterClient`). */
export interface ChasterClient {
  /** Asks the wearer of a session for a verification picture; `actor` is who Chaster shows as asking. */
  requestVerificationPicture(sessionId: string, actor: Actor, options?: CallOptions): Promise<void>;
  /** Exchanges the mainToken from the extension page for the session, the user's role and the lock. */
  getSessionAuth(mainToken: string, options?: CallOptions): Promise<SessionAuth>;
  /** Reads an extension session. */
  getSession(sessionId: string, options?: CallOptions): Promise<ChasterSession>;
  /** Writes a custom entry into the lock history. */
  createCustomLog(sessionId: string, log: CustomLog, options?: CallOptions): Promise<void>;
  /** Reads a page of a lock's history, newest first. */
  searchLogs(
    sessionId: string,
    search: SearchLogsBody,
    options?: CallOptions,
  ): Promise<SearchLogsAnswer>;
  /** Reads the configuration a configuration page's partnerConfigurationToken opens. */
  getConfiguration(token: string, options?: CallOptions): Promise<ChasterConfiguration>;
  /** Saves (replaces) the configuration a partnerConfigurationToken opens; answers it as saved. */
  updateConfiguration(
    token: string,
    config: ExtensionConfig,
    options?: CallOptions,
  ): Promise<ChasterConfiguration>;
  /** Closes the client's sockets; pending calls finish first. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  baseUrl: z.url({
    protocol: /^https?$/,
    error: 'must be an http(s) URL such as https://api.chaster.app',
  }),
  token: z
    .string({ error: 'is required: pass the developer token of your Chaster application' })
    .min(1, 'is required: pass the developer token of your Chaster application')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces or line breaks'),
  clientId: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  connections: z.number().int().positive().max(1024).optional(),
  maxResponseBytes: z.number().int().positive().optional(),
});

const CallOptionsSchema = z
  .object({
    signal: z.instanceof(AbortSignal).optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
  })
  .optional();

const ACTORS: ReadonlySet<unknown> = new Set(ActorSchema.options);

const USER_AGENT = 'bgio-chaster (+https://github.com/bgio-chaster/bgio-chaster)';

/** Creates a Chaster client; throws `ChasterArgumentError` on bad options. */
export function createChasterClient(options: ChasterClientOptions): ChasterClient {
  const {
    baseUrl,
    token,
    clientId,
    timeoutMs = 10_000,
    connections = 8,
    maxResponseBytes = 1 << 20,
  } = check(OptionsSchema, options, 'options');
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const ownPool = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Pool(url.origin, {
      connections,
      keepAliveTimeout: 30_000,
      // The per-call timer is the real deadline; undici's own timers tick once a second.
      headersTimeout: timeoutMs + 5_000,
      bodyTimeout: timeoutMs + 5_000,
      connect: { timeout: Math.min(timeoutMs, 10_000) },
    });

  // Built once: undici only reads them.
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'user-agent': USER_AGENT,
  };
  if (clientId !== undefined) baseHeaders['x-chaster-client-id'] = clientId;
  const jsonHeaders = { ...baseHeaders, 'content-type': 'application/json' };

  interface Call {
    operation: ChasterOperation;
    method: 'GET' | 'POST' | 'PUT';
    route: string;
    path: string;
    body?: unknown;
    secrets: string[];
    options: CallOptions | undefined;
  }

  // One exchange through undici's `dispatch`: no AbortSignal, promise-wrapped stream or async
  // iterator per call, only a handler object and one Node timer, which is the whole deadline.
  function send(call: Call): Promise<{ status: number; text: string }> {
    const callOptions =
      call.options === undefined ? undefined : check(CallOptionsSchema, call.options, 'options');
    const callerSignal = callOptions?.signal;
    const limitMs = callOptions?.timeoutMs ?? timeoutMs;
    const route = `${call.method} ${call.route}`;
    return new Promise((resolve, reject) => {
      if (callerSignal?.aborted) {
        reject(callerSignal.reason);
        return;
      }
      let controller: Dispatcher.DispatchController | undefined;
      let done = false;
      let reason: Error | undefined;
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      let size = 0;
      const chunks: Buffer[] = [];

      const settle = (error: unknown, text?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        callerSignal?.removeEventListener('abort', onCallerAbort);
        if (text === undefined) reject(error);
        else if (status >= 200 && status < 300) resolve({ status, text });
        else {
          reject(
            classifyAnswer({
              operation: call.operation,
              route,
              status,
              headers,
              body: text,
              secrets: call.secrets,
            }),
          );
        }
      };
      // Stops the exchange for a reason of ours; a request still queued for a socket is
      // aborted as soon as undici starts it.
      const stop = (error: unknown) => {
        // Settle first: undici reports the abort back through onResponseError at once.
        settle(error);
        reason = error instanceof Error ? error : new Error(String(error));
        controller?.abort(reason);
      };
      const onCallerAbort = () => stop(callerSignal!.reason);
      const timer = setTimeout(
        () =>
          stop(
            new ChasterError({
              code: 'timeout',
              message: `${route} got no complete answer within ${limitMs} ms`,
              operation: route,
            }),
          ),
        limitMs,
      );
      timer.unref();
      callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

      try {
        dispatcher.dispatch(
          {
            origin: url.origin,
            method: call.method,
            path: prefix + call.path,
            headers: call.body === undefined ? baseHeaders : jsonHeaders,
            body: call.body === undefined ? null : JSON.stringify(call.body),
          },
          {
            onRequestStart(c) {
              controller = c;
              if (reason) c.abort(reason);
            },
            onResponseStart(_c, statusCode, responseHeaders) {
              status = statusCode;
              headers = responseHeaders;
            },
            onResponseData(_c, chunk) {
              if (done) return;
              size += chunk.length;
              if (size <= maxResponseBytes) chunks.push(chunk);
              else {
                // Drop the socket rather than read an answer we will not keep.
                stop(
                  new ChasterError({
                    code: 'bad_response',
                    message: `Chaster answered ${status} to ${route} with a body over ${maxResponseBytes} bytes`,
                    status,
                    operation: route,
                  }),
                );
              }
            },
            onResponseEnd() {
              settle(undefined, chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'));
            },
            onResponseError(_c, error) {
              settle(transportError(error, route, limitMs));
            },
          },
        );
      } catch (error) {
        settle(transportError(error, route, limitMs));
      }
    });
  }

  async function sendForJson<T>(call: Call, schema: z.ZodType<T>): Promise<T> {
    const { status, text } = await send(call);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw badResponse(call, status, text, 'the body is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw badResponse(call, status, text, z.prettifyError(parsed.error));
    return parsed.data;
  }

  function badResponse(call: Call, status: number, text: string, problem: string): ChasterError {
    const route = `${call.method} ${call.route}`;
    return new ChasterError({
      code: 'bad_response',
      message: `Chaster answered ${status} to ${route} with a body we cannot use: ${problem}`,
      status,
      rawBody: redact(text, call.secrets).slice(0, 4096),
      operation: route,
    });
  }

  function configurationCall(
    operation: 'getConfiguration' | 'updateConfiguration',
    method: 'GET' | 'PUT',
    token: string,
    callOptions: CallOptions | undefined,
  ): Call {
    return {
      operation,
      method,
      route: '/api/extensions/configurations/:token',
      path: `/api/extensions/configurations/${encodeURIComponent(token)}`,
      secrets: [token, encodeURIComponent(token)],
      options: callOptions,
    };
  }

  return {
    async requestVerificationPicture(sessionId, actor, callOptions) {
      // The hot path: plain checks first, zod only to word a refusal.
      const id = isSessionId(sessionId)
        ? sessionId
        : check(SessionIdSchema, sessionId, 'sessionId');
      const validActor = ACTORS.has(actor) ? actor : check(ActorSchema, actor, 'actor');
      await send({
        operation: 'requestVerificationPicture',
        method: 'POST',
        route: '/api/extensions/sessions/:sessionId/verification-picture/request',
        path: `/api/extensions/sessions/${id}/verification-picture/request`,
        body: { actor: validActor },
        secrets: [id],
        options: callOptions,
      });
    },

    async getSessionAuth(mainToken, callOptions) {
      const tokenValue = check(MainTokenSchema, mainToken, 'mainToken');
      return sendForJson(
        {
          operation: 'getSessionAuth',
          method: 'GET',
          route: '/api/extensions/auth/sessions/:mainToken',
          path: `/api/extensions/auth/sessions/${encodeURIComponent(tokenValue)}`,
          secrets: [tokenValue, encodeURIComponent(tokenValue)],
          options: callOptions,
        },
        SessionAuthSchema,
      );
    },

    async getSession(sessionId, callOptions) {
      const id = check(SessionIdSchema, sessionId, 'sessionId');
      const { session } = await sendForJson(
        {
          operation: 'getSession',
          method: 'GET',
          route: '/api/extensions/sessions/:sessionId',
          path: `/api/extensions/sessions/${id}`,
          secrets: [id],
          options: callOptions,
        },
        GetSessionSchema,
      );
      return session;
    },

    async createCustomLog(sessionId, log, callOptions) {
      const id = check(SessionIdSchema, sessionId, 'sessionId');
      const body = check(CustomLogSchema, log, 'log');
      await send({
        operation: 'createCustomLog',
        method: 'POST',
        route: '/api/extensions/sessions/:sessionId/logs/custom',
        path: `/api/extensions/sessions/${id}/logs/custom`,
        body,
        secrets: [id],
        options: callOptions,
      });
    },

    async searchLogs(sessionId, search, callOptions) {
      const id = check(SessionIdSchema, sessionId, 'sessionId');
      const body = check(SearchLogsBodySchema, search, 'search');
      return sendForJson(
        {
          operation: 'searchLogs',
          method: 'POST',
          route: '/api/extensions/sessions/:sessionId/logs/search',
          path: `/api/extensions/sessions/${id}/logs/search`,
          body,
          secrets: [id],
          options: callOptions,
        },
        SearchLogsAnswerSchema,
      );
    },

    async getConfiguration(token, callOptions) {
      const tokenValue = check(ConfigurationTokenSchema, token, 'token');
      return sendForJson(
        configurationCall('getConfiguration', 'GET', tokenValue, callOptions),
        ConfigurationSchema,
      );
    },

    async updateConfiguration(token, config, callOptions) {
      const tokenValue = check(ConfigurationTokenSchema, token, 'token');
      const body = { config: check(ExtensionConfigSchema, config, 'config') };
      return sendForJson(
        { ...configurationCall('updateConfiguration', 'PUT', tokenValue, callOptions), body },
        ConfigurationSchema,
      );
    },

    async close() {
      if (ownPool) await dispatcher.close();
    },
  };
}

/** Validates one argument, or throws a `ChasterArgumentError` naming it and what was wrong. */
function check<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${name}.${issue.path.join('.')}` : name;
  // zod's default wording for a missing value is "Invalid input: expected …"; say it plainly.
  const missing = issue?.code === 'invalid_type' && issue.input === undefined;
  const problem =
    missing && issue.message.startsWith('Invalid input')
      ? 'is required'
      : (issue?.message ?? 'is invalid');
  throw new ChasterArgumentError(where, problem);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function transportError(error: unknown, route: string, timeoutMs: number): ChasterError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new ChasterError({
      code: 'timeout',
      message: `${route} got no complete answer within ${timeoutMs} ms`,
      operation: route,
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ChasterError({
    code: 'network',
    message: `${route} failed before an answer arrived: ${typeof code === 'string' ? `${code} ` : ''}${detail}`,
    operation: route,
    cause: error,
  });
}
