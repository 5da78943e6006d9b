/**
 * docs/getting-started.md works as written: its files (package.json, game.ts, server.ts, play.ts)
 * are taken from the page byte for byte into a fresh folder, where `bgio-chaster` is this
 * repository's source, and run: the server with the emulator, then the script that plays a move,
 * which must print the request the emulator received.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/docs.js';

const PAGE = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');

/** The page's files: each code block right after a `<!-- getting-started:NAME -->` marker. */
function pageFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of PAGE.matchAll(/<!-- getting-started:(\S+) -->\s*```\w*\n([\s\S]*?)```/g)) {
    files.set(m[1]!, m[2]!);
  }
  return files;
}

const work = mkdtempSync(join(tmpdir(), 'bgio-chaster-getting-started-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** A project folder with the page's files, `bgio-chaster` resolving to this repository's source. */
function project(): string {
  for (const [name, text] of pageFiles()) writeFileSync(join(work, name), text);
  const modules = join(work, 'node_modules');
  mkdirSync(join(modules, 'bgio-chaster'), { recursive: true });
  for (const name of ['boardgame.io', 'tsx']) {
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: string } | string>;
  };
  const exports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const built = typeof target === 'string' ? target : target.import;
    const m = built?.match(/^\.\/dist\/(.+)\.js$/);
    if (m) exports[subpath] = `./src/${m[1]}.ts`;
  }
  writeFileSync(
    join(modules, 'bgio-chaster', 'package.json'),
    JSON.stringify({ name: 'bgio-chaster', type: 'module', exports }),
  );
  symlinkSync(join(ROOT, 'src'), join(modules, 'bgio-chaster', 'src'), 'dir');
  return work;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

/** Starts `file` with tsx in the project, as `npm run` would; `output` resolves once `until` holds. */
function start(cwd: string, file: string, env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) resolve(out);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      code === 0 && until.test(out)
        ? resolve(out)
        : reject(new Error(`${file} exited ${code}: ${out}`)),
    );
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output, exited };
}

describe('docs/getting-started.md', () => {
  it('has the four files of the tutorial, and the overrides package.json pins', () => {
    expect([...pageFiles().keys()]).toEqual(['package.json', 'game.ts', 'server.ts', 'play.ts']);
    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const theirs = JSON.parse(pageFiles().get('package.json')!);
    expect(theirs.type).toBe('module');
    expect(theirs.overrides['koa-socket-2']).toEqual(ours.overrides['koa-socket-2']);
  });

  it('server.ts and play.ts run as written: a move sends a request the emulator receives', async () => {
    const cwd = project();
    const env = { PORT: String(await freePort()), CHASTER_PORT: String(await freePort()) };
    const server = start(cwd, 'server.ts', env, /game server on http:\/\/\S+/);
    const started = await server.output;
    expect(started).toContain(`game server on http://127.0.0.1:${env.PORT}`);
    expect(started).toContain(`Chaster emulator on http://127.0.0.1:${env.CHASTER_PORT}`);

    const play = start(cwd, 'play.ts', env, /status: \d+/);
    const printed = await play.output;
    expect(await play.exited).toBe(0);
    expect(printed).toMatch(/actor: 'wearer'/);
    expect(printed).toMatch(/status: 201/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 90_000);
});
