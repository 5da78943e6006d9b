/** Test helper: server processes that are killed after each test. */
import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { startServerProcess as start } from './process-core.js';
import type { ServerProcess } from './process-core.js';

export { exited } from './process-core.js';
export type { ServerProcess } from './process-core.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts a server process (killed after the test) and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const server = await start(env);
  children.push(server.child);
  return server;
}
