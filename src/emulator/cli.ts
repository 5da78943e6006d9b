#!/usr/bin/env node
/**
 * `npm run emulator -- --port N [--host H] [--token T] [--webhook-url URL --webhook-user U --webhook-password P]`:
 * runs the Chaster emulator alone and prints where it listens.
 */
import { parseArgs } from 'node:util';
import { createChasterEmulator } from './emulator.js';

const USAGE =
  'usage: npm run emulator -- [--port N] [--host H] [--token T] [--webhook-url URL --webhook-user U --webhook-password P]';

function fail(message: string): never {
  process.stderr.write(`chaster-emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string', default: 'emulator-dev-token' },
      'webhook-url': { type: 'string' },
      'webhook-user': { type: 'string' },
      'webhook-password': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a number from 0 to 65535, got "${values.port}"`);
const webhookUrl = values['webhook-url'];
if (webhookUrl !== undefined && !/^https?:\/\//.test(webhookUrl))
  fail(`--webhook-url must be an http(s) URL, got "${webhookUrl}"`);

const emulator = createChasterEmulator({
  token: values.token,
  webhook:
    webhookUrl === undefined
      ? undefined
      : { url: webhookUrl, user: values['webhook-user'], password: values['webhook-password'] },
});
try {
  const url = await emulator.listen(port, values.host);
  process.stdout.write(
    `Chaster emulator listening on ${url}\n` +
      `  Extensions API: ${url}/api/extensions/...  (Bearer token set by --token)\n` +
      `  Control:        POST ${url}/__emulator/locks, GET ${url}/__emulator/requests\n` +
      (webhookUrl ? `  Webhooks to:    ${webhookUrl}\n` : ''),
  );
} catch (error) {
  fail(`cannot listen on ${values.host}:${port}: ${(error as Error).message}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
