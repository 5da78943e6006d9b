/**
 * The published package works for a stranger: `npm pack`, install the tarball into a fresh
 * project, compile TypeScript against the packed types (both small entry-point checks and the
 * README's "Embed the plugin" example), and run it.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChasterEmulator } from '../src/emulator/index.js';
import { api, connect, host, until } from './helpers/stack.js';
import type { Stack } from './helpers/stack.js';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bgio-chaster-pack-'));
const app = join(work, 'app');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

const entryPoints = `
import { createChasterClient, ChasterError } from 'bgio-chaster/chaster';
import type { Actor, SessionAuth } from 'bgio-chaster/chaster';
import { createChasterEmulator } from 'bgio-chaster/emulator';
import { ApiError, createApiClient, parseChasterHash } from 'bgio-chaster/client';
import type { LoginAnswer } from 'bgio-chaster/client';

const emulator = createChasterEmulator({ token: 'packed-token' });
const url: string = await emulator.listen(0);
const lock = emulator.createLock({ keyholder: false });
const client = createChasterClient({ baseUrl: url, token: 'packed-token' });
const auth: SessionAuth = await client.getSessionAuth(lock.tokens.wearer);
const actor: Actor = 'extension';
await client.requestVerificationPicture(auth.session.sessionId, actor);
let code = 'none';
try {
  await client.requestVerificationPicture(auth.session.sessionId, 'keyholder');
} catch (error) {
  if (error instanceof ChasterError) code = error.code;
}
// bgio-chaster/client in Node: parses Chaster's hash, and fails typed when no server answers.
const hash = parseChasterHash('#' + encodeURIComponent(JSON.stringify({ mainToken: 'm' })));
let apiCode = 'none';
try {
  const answer: LoginAnswer = await createApiClient({ baseUrl: 'http://127.0.0.1:9' }).login('m');
  apiCode = answer.role;
} catch (error) {
  if (error instanceof ApiError) apiCode = error.code;
}
await client.close();
await emulator.close();
console.log(JSON.stringify({ role: auth.role, requests: emulator.requests().map((r) => r.status), code, hash: hash.ok, apiCode }));
`;

/** The README's embed example, verbatim. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = readme.match(
    /<!-- embed-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- embed-example:end -->/,
  );
  if (!m) throw new Error('README.md has no embed example between the markers');
  return m[1]!;
}

/** What the tarball holds, as `npm pack --json` lists it (paths inside the package). */
let shipped: string[] = [];

beforeAll(() => {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as [
    { files: Array<{ path: string }> },
  ];
  shipped = packed[0].files.map((f) => f.path);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        // boardgame.io's own types (ts-toolbelt) do not pass a full lib check.
        skipLibCheck: true,
      },
      files: ['entry-points.ts', 'server.ts'],
    }),
  );
  writeFileSync(join(app, 'entry-points.ts'), entryPoints);
  writeFileSync(join(app, 'server.ts'), readmeExample());
  // Install scripts are skipped to avoid compiling SQLite again: the native addon built
  // for this repository is copied in instead, which is the same file npm would build.
  run(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, tarball),
      '@types/node@20.19.43',
    ],
    app,
  );
  const addon = 'node_modules/better-sqlite3/build/Release';
  mkdirSync(join(app, addon), { recursive: true });
  copyFileSync(join(root, addon, 'better_sqlite3.node'), join(app, addon, 'better_sqlite3.node'));
  run(join(root, 'node_modules/.bin/tsc'), ['-p', '.'], app);
}, 240_000);

describe('npm pack', () => {
  it('ships every entry with its types, the docs and the licence, and no sources, tests or data', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; import: string }>;
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.import];
      for (const file of files) expect(shipped, entry).toContain(file.replace(/^\.\//, ''));
    }
    for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'docs/client.md']) {
      expect(shipped).toContain(file);
    }
    const stray = shipped.filter((f) =>
      /^(src|test|bench|client|game|examples|scripts|data)\/|\.(sqlite|tgz|log)$|\.test\./.test(f),
    );
    expect(stray).toEqual([]);
  });

  it('a fresh project imports bgio-chaster/chaster, /emulator and /client with their types', () => {
    const out = run(process.execPath, ['entry-points.js'], app);
    expect(JSON.parse(out)).toEqual({
      role: 'wearer',
      requests: [201, 400],
      code: 'no_keyholder',
      hash: true,
      apiCode: 'network',
    });
  });

  it('the README embed example compiles against the packed types, runs, and delivers requests', async () => {
    const emulator = createChasterEmulator();
    await emulator.listen(0);
    try {
      const child = spawn(process.execPath, ['server.js'], {
        cwd: app,
        env: {
          ...process.env,
          CHASTER_API_URL: emulator.url,
          CHASTER_TOKEN: emulator.token,
          DATABASE_PATH: join(work, 'embed.sqlite'),
          PORT: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = out.match(/listening on (http:\/\/\S+)/);
          if (m) resolveUrl(m[1]!);
        });
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${out}`)));
      });
      const stack = { url, emulator } as Stack;
      const lock = emulator.createLock();
      const { matchID, seat } = await host(stack, lock.tokens.wearer, {
        game: 'unlucky-roll',
        numPlayers: 1,
      });
      // Moves the client must not run itself: it waits for the server's state instead.
      const serverOnly = { move: () => {}, client: false };
      const game = { name: 'unlucky-roll', moves: { roll: serverOnly, volunteer: serverOnly } };
      const client = await connect(stack, game, matchID, seat);
      client.moves.volunteer!();
      await until(() => emulator.requests().length === 1, 'the volunteer request');
      expect(emulator.requests()[0]).toMatchObject({
        sessionId: lock.sessionId,
        actor: 'wearer',
        status: 201,
      });
      await emulator.submit(lock.sessionId);
      for (let i = 0; i < 200 && emulator.requests().length < 2; i++) {
        const before = client.getState()!._stateID;
        client.moves.roll!();
        await until(() => client.getState()!._stateID > before, 'roll applied');
      }
      await until(() => emulator.requests().length === 2, 'a rolled 1 asks for a picture');
      expect(emulator.requests()[1]).toMatchObject({
        sessionId: lock.sessionId,
        actor: 'extension',
      });
      const feed = await api(url, 'GET', `/api/rooms/${matchID}/verifications`, {
        token: seat.token,
      });
      expect(feed.json.requests.map((r: { reason: string }) => r.reason)).toEqual([
        'volunteered',
        'rolled a 1',
      ]);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    } finally {
      await emulator.close();
    }
  }, 60_000);
});
