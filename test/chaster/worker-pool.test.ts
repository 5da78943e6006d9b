/**
 * The client's sockets live in a worker thread (src/chaster/worker-pool.ts): a call goes out while
 * the main thread is busy, an idle client never holds the process open, and a closed client
 * refuses calls plainly. The rest of the client's behaviour through the worker is
 * test/chaster/client.test.ts.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChasterError, createChasterClient } from '../../src/chaster/index.js';
import { clientFor, rejectionOf, startEmulator } from '../helpers/emulator.js';

const clientModule = resolve(import.meta.dirname, '../../src/chaster/index.ts');

/** Runs an ES module script under tsx; resolves with its stdout lines and exit code. */
function runScript(
  script: string,
  onLine: (line: string) => void = () => {},
): Promise<{ lines: string[]; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  let rest = '';
  child.stdout.on('data', (data: Buffer) => {
    const parts = (rest + data.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line);
    }
  });
  return new Promise((done) => child.once('exit', (code) => done({ lines, code })));
}

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe('the client’s worker-thread sockets', () => {
  it('a call reaches Chaster while the main thread is busy', async () => {
    // Chaster in another process, noting when each request arrives.
    let url!: (value: string) => void;
    const listening = new Promise<string>((r) => (url = r));
    const arrivals: number[] = [];
    void runScript(
      `import { createServer } from 'node:http';
       const server = createServer((req, res) => {
         console.log('arrived ' + Date.now());
         req.resume();
         req.on('end', () => { res.writeHead(201, { 'content-type': 'application/json' }); res.end('{}'); });
       });
       server.listen(0, '127.0.0.1', () => console.log('url http://127.0.0.1:' + server.address().port));`,
      (line) => {
        if (line.startsWith('url ')) url(line.slice(4));
        if (line.startsWith('arrived ')) arrivals.push(Number(line.slice(8)));
      },
    );
    const client = createChasterClient({ baseUrl: await listening, token: 'dev-token' });
    try {
      // The first call opens the socket; the second reuses it, which undici defers to the
      // check phase of the calling thread's event loop.
      await client.requestVerificationPicture('session-1', 'extension');
      const calledAt = Date.now();
      const answered = client.requestVerificationPicture('session-1', 'extension');
      while (Date.now() - calledAt < 400) {
        // The game server's thread, busy with moves.
      }
      await answered;
      await expect.poll(() => arrivals.length).toBe(2);
      expect(arrivals[1]! - calledAt).toBeLessThan(200);
    } finally {
      await client.close();
    }
  });

  it('holds the process open only while a call is pending', async () => {
    // Nothing listens on port 1: the call fails fast, and then nothing is left to wait for.
    const { lines, code } = await runScript(
      `import { createChasterClient } from ${JSON.stringify(clientModule)};
       const client = createChasterClient({ baseUrl: 'http://127.0.0.1:1', token: 'dev-token' });
       await client.requestVerificationPicture('session-1', 'extension').catch((e) => console.log(e.code));
       console.log('answered');`,
    );
    expect(lines).toEqual(['network', 'answered']);
    expect(code).toBe(0);
  }, 20_000);

  it('a closed client refuses calls with a network error that says it is closed', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    const client = clientFor(emulator);
    await client.requestVerificationPicture(lock.sessionId, 'extension');
    await client.close();
    const error = await rejectionOf(client.requestVerificationPicture(lock.sessionId, 'wearer'));
    expect(error).toBeInstanceOf(ChasterError);
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect((error as ChasterError).message).toMatch(/closed/);
  });
});
