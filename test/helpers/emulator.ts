/** Test helpers: a fresh emulator on a free loopback port, and a client pointed at it. */
import { afterEach } from 'vitest';
import { createChasterClient } from '../../src/chaster/index.js';
import type { ChasterClient, ChasterClientOptions } from '../../src/chaster/index.js';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator, EmulatorOptions } from '../../src/emulator/index.js';

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** Starts an emulator that is closed after the current test. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<ChasterEmulator> {
  const emulator = createChasterEmulator(options);
  await emulator.listen(0, '127.0.0.1');
  open.push(emulator);
  return emulator;
}

/** A client for `emulator`, closed after the current test. */
export function clientFor(
  emulator: ChasterEmulator,
  options: Partial<ChasterClientOptions> = {},
): ChasterClient {
  const client = createChasterClient({ baseUrl: emulator.url, token: emulator.token, ...options });
  open.unshift(client);
  return client;
}

/** Resolves to the rejection of `promise`, failing when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
