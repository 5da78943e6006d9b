import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ASSUMED_ERRORS } from '../../src/emulator/index.js';
import { startEmulator } from '../helpers/emulator.js';

async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

/** A webhook receiver on loopback that records what it got. */
async function startReceiver(status = 200) {
  const got: Array<{ headers: IncomingHttpHeaders; body: unknown }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('emulator control routes', () => {
  it('POST /__emulator/locks creates locks with and without extension and keyholder', async () => {
    const emulator = await startEmulator();
    const full = await call(`${emulator.url}/__emulator/locks`, 'POST', {});
    expect(full.status).toBe(201);
    expect(full.json).toEqual({
      lockId: expect.stringMatching(/^[0-9a-f]{24}$/),
      sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{21}$/),
      tokens: { wearer: expect.any(String), keyholder: expect.any(String) },
    });
    const bare = await call(`${emulator.url}/__emulator/locks`, 'POST', {
      verificationPicture: false,
      keyholder: false,
    });
    expect((bare.json as { tokens: object }).tokens).toEqual({ wearer: expect.any(String) });
    const { sessionId } = bare.json as { sessionId: string };
    const session = await call(
      `${emulator.url}/api/extensions/sessions/${sessionId}`,
      'GET',
      undefined,
      {
        authorization: `Bearer ${emulator.token}`,
      },
    );
    const lock = (
      session.json as {
        session: { lock: { keyholder: unknown; extensions: Array<{ slug: string }> } };
      }
    ).session.lock;
    expect(lock.keyholder).toBeNull();
    expect(lock.extensions.map((e) => e.slug)).not.toContain('verification-picture');
  });

  it('refuses bad control input with a 400 JSON error saying what was wrong', async () => {
    const emulator = await startEmulator();
    const bad = await call(`${emulator.url}/__emulator/locks`, 'POST', { keyholder: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: 'invalid_request',
      message: expect.stringContaining('keyholder'),
    });
    const faults = await call(`${emulator.url}/__emulator/faults`, 'POST', {
      errorRate: 0.8,
      rateLimitRate: 0.5,
    });
    expect(faults.status).toBe(400);
    expect((faults.json as { message: string }).message).toContain('must not exceed 1');
    const json = await call(`${emulator.url}/__emulator/locks`, 'POST', '{not json');
    expect(json.status).toBe(400);
    const unknown = await call(`${emulator.url}/__emulator/nothing`, 'GET');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: 'not_found' });
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const emulator = await startEmulator();
    const res = await call(`${emulator.url}/__emulator/locks`, 'POST', {
      title: 'x'.repeat(70_000),
    });
    expect(res.status).toBe(413);
  });

  it('GET /__emulator/requests lists every verification request in order, rejected ones included', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock({ keyholder: false });
    const auth = { authorization: `Bearer ${emulator.token}` };
    const path = `${emulator.url}/api/extensions/sessions/${sessionId}/verification-picture/request`;
    expect((await call(path, 'POST', { actor: 'keyholder' }, auth)).status).toBe(
      ASSUMED_ERRORS.noKeyholder.status,
    );
    const invalid = await call(path, 'POST', { actor: 'admin' }, auth);
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      statusCode: 400,
      message: [expect.stringContaining('actor must be one of')],
      error: 'Bad Request',
    });
    expect((await call(path, 'POST', { actor: 'extension' }, auth)).status).toBe(201);
    expect(
      (await call(path, 'POST', { actor: 'extension' }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    const list = await call(`${emulator.url}/__emulator/requests`, 'GET');
    expect(list.json).toEqual([
      { sessionId, actor: 'keyholder', status: 400, at: expect.any(String) },
      { sessionId, actor: 'admin', status: 400, at: expect.any(String) },
      { sessionId, actor: 'extension', status: 201, at: expect.any(String) },
      { sessionId, actor: 'extension', status: 401, at: expect.any(String) },
    ]);
  });

  it('answers every API error in NestJS shape with the assumed status', async () => {
    const emulator = await startEmulator();
    const res = await call(`${emulator.url}/api/extensions/sessions/nope`, 'GET', undefined, {
      authorization: `Bearer ${emulator.token}`,
    });
    expect(res.status).toBe(ASSUMED_ERRORS.sessionNotFound.status);
    expect(res.json).toEqual({ statusCode: 404, message: 'Session not found', error: 'Not Found' });
    expect(res.headers.get('x-chaster-transaction-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('POST/DELETE /__emulator/faults switches faults on and off', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock();
    const auth = { authorization: `Bearer ${emulator.token}` };
    const session = `${emulator.url}/api/extensions/sessions/${sessionId}`;
    expect(
      (await call(`${emulator.url}/__emulator/faults`, 'POST', { errorRate: 1, errorStatus: 500 }))
        .status,
    ).toBe(200);
    expect((await call(session, 'GET', undefined, auth)).status).toBe(500);
    // Control routes are never faulted.
    expect((await call(`${emulator.url}/__emulator/requests`, 'GET')).status).toBe(200);
    expect((await call(`${emulator.url}/__emulator/faults`, 'DELETE')).status).toBe(200);
    expect((await call(session, 'GET', undefined, auth)).status).toBe(200);
  });

  it('scope "verification" leaves other routes alone', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock();
    emulator.setFaults({ errorRate: 1, scope: 'verification' });
    const auth = { authorization: `Bearer ${emulator.token}` };
    expect(
      (await call(`${emulator.url}/api/extensions/sessions/${sessionId}`, 'GET', undefined, auth))
        .status,
    ).toBe(200);
    const path = `${emulator.url}/api/extensions/sessions/${sessionId}/verification-picture/request`;
    expect((await call(path, 'POST', { actor: 'extension' }, auth)).status).toBe(503);
  });

  it('draws fault shares from the seed: the same seed gives the same sequence, shares hold', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock();
    const auth = { authorization: `Bearer ${emulator.token}` };
    const run = async () => {
      emulator.setFaults({ errorRate: 0.3, rateLimitRate: 0.1, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) {
        statuses.push(
          (
            await call(
              `${emulator.url}/api/extensions/sessions/${sessionId}`,
              'GET',
              undefined,
              auth,
            )
          ).status,
        );
      }
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const share = (s: number) => first.filter((x) => x === s).length / first.length;
    expect(share(503)).toBeGreaterThan(0.22);
    expect(share(503)).toBeLessThan(0.38);
    expect(share(429)).toBeGreaterThan(0.05);
    expect(share(429)).toBeLessThan(0.15);
  });

  it('adds latency to answers', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock();
    emulator.setFaults({ latencyMs: 150 });
    const started = performance.now();
    await call(`${emulator.url}/api/extensions/sessions/${sessionId}`, 'GET', undefined, {
      authorization: `Bearer ${emulator.token}`,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('emulator submit and webhooks', () => {
  it('submit clears the pending request and posts action_log.created with Basic auth', async () => {
    const receiver = await startReceiver();
    try {
      const emulator = await startEmulator({
        webhook: { url: receiver.url, user: 'hook', password: 's3cret' },
      });
      const { sessionId } = emulator.createLock();
      const auth = { authorization: `Bearer ${emulator.token}` };
      const path = `${emulator.url}/api/extensions/sessions/${sessionId}/verification-picture/request`;
      expect((await call(path, 'POST', { actor: 'extension' }, auth)).status).toBe(201);
      expect((await call(path, 'POST', { actor: 'extension' }, auth)).status).toBe(400);

      const submitted = await call(
        `${emulator.url}/__emulator/sessions/${sessionId}/submit`,
        'POST',
      );
      expect(submitted.status).toBe(200);
      expect(submitted.json).toMatchObject({
        requestId: expect.any(String),
        verificationCode: expect.stringMatching(/^\d{6}$/),
        webhook: { url: receiver.url, status: 200 },
      });
      expect(receiver.got).toHaveLength(1);
      const [hook] = receiver.got;
      expect(hook!.headers.authorization).toBe(
        `Basic ${Buffer.from('hook:s3cret').toString('base64')}`,
      );
      expect(hook!.body).toEqual({
        event: 'action_log.created',
        data: {
          sessionId,
          actionLog: expect.objectContaining({
            type: 'verification_picture_submitted',
            role: 'user',
            payload: expect.objectContaining({
              verificationCode: (submitted.json as { verificationCode: string }).verificationCode,
            }),
          }),
        },
        sentAt: expect.any(String),
        requestId: (submitted.json as { requestId: string }).requestId,
      });
      // The lock accepts a new request now.
      expect((await call(path, 'POST', { actor: 'wearer' }, auth)).status).toBe(201);
    } finally {
      await receiver.close();
    }
  });

  it('submit without a pending request is a 409 that says what to do', async () => {
    const emulator = await startEmulator();
    const { sessionId } = emulator.createLock();
    const res = await call(`${emulator.url}/__emulator/sessions/${sessionId}/submit`, 'POST');
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      error: 'no_pending_request',
      message: expect.stringContaining('request one first'),
    });
  });

  it('an unreachable webhook URL is reported as status 0, not a crash', async () => {
    const emulator = await startEmulator({ webhook: { url: 'http://127.0.0.1:9/hooks' } });
    const { sessionId } = emulator.createLock();
    const client = (await import('../../src/chaster/index.js')).createChasterClient({
      baseUrl: emulator.url,
      token: emulator.token,
    });
    await client.requestVerificationPicture(sessionId, 'extension');
    await client.close();
    const result = await emulator.submit(sessionId);
    expect(result.webhook?.status).toBe(0);
  });
});

describe('npm run emulator', () => {
  it('starts alone, prints where it listens, and serves the API with the given token', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/emulator/cli.ts', '--port', '0', '--token', 'cli-token'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
      });
      const lock = await call(`${url}/__emulator/locks`, 'POST', {});
      const { sessionId } = lock.json as { sessionId: string };
      const ok = await call(`${url}/api/extensions/sessions/${sessionId}`, 'GET', undefined, {
        authorization: 'Bearer cli-token',
      });
      expect(ok.status).toBe(200);
      const denied = await call(`${url}/api/extensions/sessions/${sessionId}`, 'GET', undefined, {
        authorization: 'Bearer emulator-dev-token',
      });
      expect(denied.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a bad --port with a usage message and exit code 2', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/emulator/cli.ts', '--port', 'eighty'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--port must be a number');
    expect(err).toContain('usage: npm run emulator');
  });
});
