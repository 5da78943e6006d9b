/**
 * Shared pieces of the hostile-input suites: a raw HTTP client (any method, header and body,
 * chunked or not), the error-contract check, a fingerprint of everything the server stores, raw
 * socket.io connections, and fast-check arbitraries for hostile JSON, headers and bodies.
 */
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterEach, expect } from 'vitest';
import type { Stack } from '../helpers/stack.js';

// --- raw HTTP ----------------------------------------------------------------------------------

/** One answer of the server. */
export interface Answer {
  status: number;
  type: string;
  text: string;
  json: any;
  headers: IncomingHttpHeaders;
}

/** One request, fully under the caller's control. */
export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in two chunks with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
afterEach(() => agent.destroy());

/** Sends one request; an answer that arrives while the body is still being written counts. */
export async function send(base: string, req: RawRequest): Promise<Answer> {
  // Bodies over the limit get their own connection: after a 413 the server keeps a kept-alive
  // connection open that it no longer answers on (see the body-limit test in http.property).
  if (req.body !== undefined && Buffer.byteLength(req.body) > 16 * 1024) {
    return sendOnce(base, req, false);
  }
  try {
    return await sendOnce(base, req, agent);
  } catch (error) {
    // A kept-alive socket the server closed after an early answer (413): once more, fresh.
    if (!isReset(error)) throw error;
    return sendOnce(base, req, false);
  }
}

function isReset(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNREFUSED';
}

/** Sends `method path` as the holder of a bearer `token`, with `body` as JSON when there is one. */
export function sendWithBearer(
  base: string,
  token: string,
  { method, path, body }: { method: string; path: string; body?: string },
): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body,
  });
}

/** Sends one request through `via` (an agent of the caller's, or false for a fresh connection). */
export function sendOnce(base: string, req: RawRequest, via: Agent | false): Promise<Answer> {
  const url = new URL(base);
  return new Promise<Answer>((resolve, reject) => {
    let answered = false;
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers ?? {},
        agent: via,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            text,
            json,
            headers: res.headers,
          });
        });
      },
    );
    r.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    if (body !== undefined && req.chunked && body.length > 1) {
      const half = Math.floor(body.length / 2);
      r.write(body.subarray(0, half));
      r.end(body.subarray(half));
    } else {
      r.end(body);
    }
  });
}

/** A short description of a request, for assertion messages. */
export function describeRequest(req: RawRequest): string {
  const body =
    req.body === undefined
      ? ''
      : ` body(${Buffer.byteLength(req.body)} B${req.chunked ? ', chunked' : ''}): ${String(req.body).slice(0, 200)}`;
  return `${req.method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers ?? {}).slice(0, 300)}${body}`;
}

/**
 * The error contract: a 4xx (never 5xx), a JSON body `{error, message}` whose message is a
 * readable sentence (non-empty, no stack trace, no "[object Object]").
 */
export function expectClientError(
  res: Answer,
  context: string,
  codes?: string[],
  pathLength = 0,
): void {
  const where = `${context}\n→ ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  expect(res.type, where).toMatch(/^application\/json/);
  expect(res.json, where).toEqual({ error: expect.any(String), message: expect.any(String) });
  expect(res.json.error, where).toMatch(/^[a-z_]+$/);
  expect(res.json.message.trim().length, where).toBeGreaterThan(0);
  // Readable: short, though a 404 may quote the (attacker-chosen) path it did not find.
  expect(res.json.message.length, where).toBeLessThan(1_000 + pathLength);
  expect(res.json.message, where).not.toMatch(/\[object |\n\s+at |undefined is not|TypeError/);
  if (codes !== undefined) expect(codes, where).toContain(res.json.error);
}

/** The server answers /healthz with 200. */
export async function expectHealthy(stack: Stack): Promise<void> {
  const res = await send(stack.url, { method: 'GET', path: '/healthz' });
  expect(res.status, res.text).toBe(200);
}

// --- what the server stores --------------------------------------------------------------------

/** Everything the server stores that a refused request could have changed. */
export function fingerprint(stack: Stack) {
  const db = stack.server.store.db;
  const all = (sql: string) => db.prepare(sql).all();
  return {
    matches: all(
      `SELECT match_id, game_name, state_id, log_length, gameover, metadata, state FROM matches ORDER BY match_id`,
    ),
    log: all(`SELECT match_id, seq FROM match_log ORDER BY match_id, seq`),
    outbox: all(`SELECT id, status, actor FROM outbox ORDER BY id`),
    seats: all(
      `SELECT match_id, player_id, credentials_hash FROM seats ORDER BY match_id, player_id`,
    ),
    logins: all(`SELECT id FROM logins ORDER BY id`),
    rooms: all(`SELECT match_id, policy FROM rooms ORDER BY match_id`),
    webhooks: all(`SELECT request_id FROM webhook_events ORDER BY request_id`),
  };
}

/** Object.prototype has no enumerable, added or replaced properties (no prototype pollution). */
export function expectPrototypeIntact(context: string): void {
  const probe: Record<string, unknown> = {};
  const inherited: string[] = [];
  for (const key in probe) inherited.push(key);
  expect(inherited, context).toEqual([]);
  expect(Object.getOwnPropertyNames(Object.prototype).sort(), context).toEqual(PROTOTYPE_KEYS);
  expect(Object.prototype.toString.call([]), context).toBe('[object Array]');
}
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** Names every plain object inherits: move or event names a lookup with `in` would find. */
export const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Polls `check` every millisecond until it is truthy; throws after `ms`. */
export async function waitFor<T>(
  check: () => T,
  what: string,
  ms = 3_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

// --- sockets -----------------------------------------------------------------------------------

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

/** A raw socket.io connection to a game's namespace, disconnected after the test. */
export async function rawSocket(
  stack: Stack,
  game: string,
  onFrame?: (frame: string) => void,
): Promise<Socket & { id: string }> {
  const socket = io(`${stack.url}/${game}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  sockets.push(socket);
  if (onFrame) {
    socket.io.on('open', () => {
      socket.io.engine.on('packet', (packet) => onFrame(JSON.stringify(packet)));
    });
  }
  socket.connect();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket as Socket & { id: string };
}

// --- arbitraries -------------------------------------------------------------------------------

/** Keys that reach an object's prototype when a body is merged or assigned naively. */
export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A JSON value as a tree, so keys like `__proto__` survive until they are written as raw text. */
export type Tree =
  | { leaf: string | number | boolean | null }
  | { list: Tree[] }
  | { entries: Array<[string, Tree]> };

/** Writes a tree as JSON text, keys exactly as given (a `__proto__` key stays a key). */
export function writeTree(tree: Tree): string {
  if ('leaf' in tree) return JSON.stringify(tree.leaf);
  if ('list' in tree) return `[${tree.list.map(writeTree).join(',')}]`;
  return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeTree(v)}`).join(',')}}`;
}

/** Path of the first forbidden key in a tree, if any. */
export function forbiddenIn(tree: Tree): boolean {
  if ('leaf' in tree) return false;
  if ('list' in tree) return tree.list.some(forbiddenIn);
  return tree.entries.some(
    ([k, v]) => (FORBIDDEN_KEYS as readonly string[]).includes(k) || forbiddenIn(v),
  );
}

/** Any JSON primitive, with the awkward ones (huge, tiny, unicode, empty) well represented. */
export const jsonLeaf: fc.Arbitrary<string | number | boolean | null> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', ' ', '0', 'null', 'true'),
  fc.boolean(),
  fc.constant(null),
);

/** Object keys: ordinary ones, prototype keys, and confusing ones. */
export const anyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...FORBIDDEN_KEYS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', ''),
  },
);

/** A JSON tree of any shape. */
export const jsonTree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf.map((leaf) => ({ leaf })),
    fc.array(tie('tree'), { maxLength: 5 }).map((list) => ({ list })),
    fc.array(fc.tuple(anyKey, tie('tree')), { maxLength: 5 }).map((entries) => ({ entries })),
  ),
})).tree;

/** A tree that certainly holds a forbidden key, at a random depth. */
export const treeWithForbiddenKey: fc.Arbitrary<Tree> = fc
  .tuple(
    jsonTree,
    fc.constantFrom(...FORBIDDEN_KEYS),
    jsonTree,
    fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 8 })), { maxLength: 4 }),
  )
  .map(([sibling, key, value, wrappers]) => {
    let tree: Tree = {
      entries: [
        ['ok', sibling],
        [key, value],
      ],
    };
    for (const [asList, name] of wrappers) {
      tree = asList ? { list: [{ leaf: 1 }, tree] } : { entries: [[name || 'x', tree]] };
    }
    return tree;
  });

/** Text that is not JSON (and not blank). */
export const notJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
    fc.json().map((text) => text.slice(0, Math.max(1, text.length - 1)) + '{'),
    fc.constantFrom(
      '{"a":1,}',
      "{'a':1}",
      '{a:1}',
      'undefined',
      'NaN',
      '{"a":NaN}',
      '[1,2',
      '{"__proto__":',
      '\u0000',
      '\uFEFF{"a":1}',
      '{"a":"\\x41"}',
      '{"a":1}{"b":2}',
    ),
  )
  .filter((text) => text.trim() !== '' && !parsesAsJson(text));

/** Whether `JSON.parse` accepts `text`. */
export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON nested deeper than the server's 32 levels (arrays or objects), under 16 KiB. */
export const tooDeep: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 34, max: 2_000 }), fc.boolean())
  .map(([depth, objects]) =>
    objects
      ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : '['.repeat(depth) + ']'.repeat(depth),
  );

/** A JSON object padded to about `size` bytes. */
export function padded(size: number, key = 'pad'): string {
  const base = `{"${key}":""}`;
  return `{"${key}":"${'x'.repeat(Math.max(0, size - base.length))}"}`;
}

/** Content-Type values: JSON ones, near misses, other types and garbage. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    'application/jsonp',
    'application/json-seq',
    'text/json',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '',
    '*/*',
    'json',
  ),
  fc.string({ maxLength: 40 }).filter(isHeaderValue),
);

/** Whether Node's HTTP client accepts `value` as a header value. */
export function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e]*$/.test(value) && value.trim() === value;
}

/** Header values that are not a usable bearer token. */
export const authorizationGarbage: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 60 }).filter(isHeaderValue),
  fc
    .string({ maxLength: 60 })
    .filter(isHeaderValue)
    .map((s) => `Bearer ${s}`),
  fc.base64String({ maxLength: 80 }).map((s) => `Basic ${s}`),
  fc
    .tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 60 }))
    .map(([a, b]) => `Bearer v1.${a.replace(/=/g, '')}.${b.replace(/=/g, '')}`),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer v1.e30.AAAA',
    'Bearer v1..',
    'Bearer v1.e30.',
    'Bearer ..',
    'Bearer v2.e30.AAAA',
    'Bearer ' + 'A'.repeat(1_025),
    'Bearer ' + 'v1.' + 'A'.repeat(600) + '.AAAA',
    'Token abc',
  ),
);
