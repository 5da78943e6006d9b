/**
 * The published package works for a stranger: `npm pack`, install the tarball into a fresh
 * project, compile a TypeScript file against the packed types, and run it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bgio-chaster-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

const consumer = `
import { createChasterClient, ChasterError } from 'bgio-chaster/chaster';
import type { Actor, SessionAuth } from 'bgio-chaster/chaster';
import { createChasterEmulator } from 'bgio-chaster/emulator';

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
await client.close();
await emulator.close();
console.log(JSON.stringify({ role: auth.role, requests: emulator.requests().map((r) => r.status), code }));
`;

describe('npm pack', () => {
  it('installs into a fresh project whose TypeScript imports both entry points', () => {
    run('npm', ['pack', '--pack-destination', work], root);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^bgio-chaster-.*\.tgz$/);

    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
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
          skipLibCheck: false,
        },
        files: ['index.ts'],
      }),
    );
    writeFileSync(join(app, 'index.ts'), consumer);
    // Native builds are skipped: the two entry points under test need none.
    run(
      'npm',
      [
        'install',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(work, tarball!),
        '@types/node@20.19.43',
      ],
      app,
    );
    run(join(root, 'node_modules/.bin/tsc'), ['-p', '.'], app);
    const out = run(process.execPath, ['index.js'], app);
    expect(JSON.parse(out)).toEqual({ role: 'wearer', requests: [201, 400], code: 'no_keyholder' });
  }, 240_000);
});
