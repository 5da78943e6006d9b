/** Game servers in their own processes (test/fixtures/server-process.ts), without test hooks. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** A server process and the URL it listens on. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
}

/** Starts a server process and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/server-process.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening (http:\/\/\S+)/);
      if (m) resolveUrl(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)));
  });
  return { child, url };
}

/** Resolves with the exit code once the process has ended. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveCode) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveCode(child.exitCode);
    else child.once('exit', (code) => resolveCode(code));
  });
}
