/**
 * `npm start`: the server on PORT (default 8000), serving the page built in `dist/`. Without
 * CHASTER_TOKEN it runs in sandbox mode and prints one link per demo user; open each in its own
 * browser profile or private window.
 */
import { join } from 'node:path';
import { stopOnSignals } from 'bgio-chaster/server';
import { startWheelServer } from './server.js';

const env = process.env;
const token = env.CHASTER_TOKEN || undefined;
const wheel = await startWheelServer({
  chaster: token ? { baseUrl: env.CHASTER_API_URL || 'https://api.chaster.app', token } : undefined,
  webhook:
    env.WEBHOOK_USER && env.WEBHOOK_PASSWORD
      ? { user: env.WEBHOOK_USER, password: env.WEBHOOK_PASSWORD }
      : undefined,
  // The sandbox's emulator forgets its locks on every start, so its rooms need not outlive it.
  database:
    env.DATABASE_PATH ||
    (token ? join(import.meta.dirname, '..', 'data', 'wheel.sqlite') : ':memory:'),
  pageDir: join(import.meta.dirname, '..', 'dist'),
  port: Number(env.PORT || 8000),
  host: env.HOST || '127.0.0.1',
});
stopOnSignals(wheel);

if (wheel.emulator) {
  const alice = wheel.emulator.createLock({ wearerName: 'alice', keyholderName: 'kim' });
  const bob = wheel.emulator.createLock({ wearerName: 'bob', keyholder: false });
  // Chaster opens an extension's page with the login in the URL hash.
  const link = (mainToken: string) =>
    `${wheel.url}/#${encodeURIComponent(JSON.stringify({ mainToken }))}`;
  console.log(
    [
      `Wheel of Fortune (sandbox) on ${wheel.url}: the Chaster emulator stands in for Chaster.`,
      `  wearer alice:        ${link(alice.tokens.wearer)}`,
      `  wearer bob:          ${link(bob.tokens.wearer)}`,
      `  keyholder of alice:  ${link(alice.tokens.keyholder!)}`,
    ].join('\n'),
  );
} else {
  console.log(`Wheel of Fortune on ${wheel.url}`);
}
