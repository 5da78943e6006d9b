/**
 * `npm start`: builds the client when needed and serves it, the game server and the API on PORT.
 * Without CHASTER_TOKEN it runs in sandbox mode: an in-process Chaster emulator with demo locks,
 * and one link per demo user.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { createChasterEmulator } from '../src/emulator/index.js';
import { createGameServer, serveStatic, stopOnSignals } from '../src/server/index.js';
import { games } from './index.js';

const root = resolve(import.meta.dirname, '..');
const clientDir = join(root, 'dist', 'client');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().optional(),
  CHASTER_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.chaster.app'),
  CHASTER_TOKEN: z.string().min(1).optional(),
  CHASTER_CLIENT_ID: z.string().min(1).optional(),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
  WEBHOOK_USER: z.string().min(1).optional(),
  WEBHOOK_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MIN_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  MAX_REQUESTS_PER_MATCH: z.coerce.number().int().min(0).max(100).optional(),
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
});

// An empty variable counts as unset (`CHASTER_TOKEN= npm start` is sandbox mode).
const parsed = EnvSchema.safeParse(
  Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== '')),
);
if (!parsed.success) {
  const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
  process.stderr.write(`bgio-chaster: bad environment:\n${problems}\n`);
  process.exit(2);
}
const env = parsed.data;
const logger = pino({ level: env.LOG_LEVEL });
const sandbox = env.CHASTER_TOKEN === undefined;

if ((env.WEBHOOK_USER === undefined) !== (env.WEBHOOK_PASSWORD === undefined)) {
  process.stderr.write('bgio-chaster: set both WEBHOOK_USER and WEBHOOK_PASSWORD, or neither.\n');
  process.exit(2);
}

await buildClientIfNeeded();

const sqlitePath = env.DATABASE_URL?.replace(/^sqlite:(\/\/)?/, '');
const database =
  sqlitePath ?? join(root, 'data', sandbox ? 'sandbox.sqlite' : 'bgio-chaster.sqlite');
if (sandbox && sqlitePath === undefined) {
  // The sandbox's emulator forgets its locks on every start, so old rooms would point nowhere.
  for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
}

const emulator = sandbox ? createChasterEmulator() : undefined;
const webhook =
  env.WEBHOOK_USER && env.WEBHOOK_PASSWORD
    ? { user: env.WEBHOOK_USER, password: env.WEBHOOK_PASSWORD }
    : sandbox
      ? { user: 'sandbox', password: crypto.randomUUID() }
      : undefined;
const emulatorUrl = emulator ? await emulator.listen(0, '127.0.0.1') : undefined;

const server = await createGameServer({
  games,
  chaster: emulator
    ? { baseUrl: emulatorUrl!, token: emulator.token }
    : { baseUrl: env.CHASTER_API_URL, token: env.CHASTER_TOKEN!, clientId: env.CHASTER_CLIENT_ID },
  database,
  redisUrl: env.REDIS_URL,
  tokenSecret: env.TOKEN_SECRET,
  webhook,
  // The sandbox's page may answer its own picture requests; a real server never offers it.
  sandbox: emulator ? { submitPicture: (sessionId) => emulator.submit(sessionId) } : undefined,
  logger,
  // The sandbox talks to a local emulator: no need to spare it.
  dispatcher: sandbox ? { ratePerMinute: 600 } : undefined,
  limits: {
    ...(env.MIN_COOLDOWN_SECONDS === undefined
      ? {}
      : { minCooldownSeconds: env.MIN_COOLDOWN_SECONDS }),
    ...(env.MAX_REQUESTS_PER_MATCH === undefined
      ? {}
      : { maxRequestsPerMatch: env.MAX_REQUESTS_PER_MATCH }),
  },
});
// Behind a reverse proxy, the client's address (for the per-address limits) is X-Forwarded-For's.
server.app.proxy = env.TRUST_PROXY === '1';
server.app.use(serveStatic(clientDir));
stopOnSignals(
  {
    stop: async () => {
      await server.stop();
      await emulator?.close();
    },
  },
  logger,
);
const url = await server.listen(env.PORT, env.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'));
const shown = url.replace('127.0.0.1', 'localhost');

if (emulator) {
  emulator.setWebhook({ url: `${url}/api/chaster/webhooks`, ...webhook! });
  const a = emulator.createLock({
    title: 'Weekend lock',
    wearerName: 'alice',
    keyholderName: 'kim',
  });
  const b = emulator.createLock({ title: 'Training lock', wearerName: 'bob', keyholder: false });
  const c = emulator.createLock({
    title: 'Lock without pictures',
    wearerName: 'casey',
    keyholder: false,
    verificationPicture: false,
  });
  const link = (mainToken: string) =>
    `${shown}/#${encodeURIComponent(JSON.stringify({ mainToken }))}`;
  process.stdout.write(
    [
      '',
      `bgio-chaster sandbox on ${shown} (Chaster emulator on ${emulatorUrl}; no real locks are touched)`,
      'Open one link per browser profile or private window:',
      `  wearer A (alice):   ${link(a.tokens.wearer)}`,
      `  wearer B (bob):     ${link(b.tokens.wearer)}`,
      `  keyholder of alice: ${link(a.tokens.keyholder!)}`,
      `  wearer C (casey, lock without Verification Picture): ${link(c.tokens.wearer)}`,
      '',
    ].join('\n'),
  );
} else {
  process.stdout.write(`bgio-chaster on ${shown} (Chaster API ${env.CHASTER_API_URL})\n`);
}

/** Builds the client with Vite unless dist/client is newer than every client and game source. */
async function buildClientIfNeeded(): Promise<void> {
  const index = join(clientDir, 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sources = [
    'client',
    'game',
    'src/plugin',
    'src/api',
    'src/client',
    'src/react',
    'index.html',
    'vite.config.ts',
  ];
  if (built > 0 && !sources.some((s) => newerThan(join(root, s), built))) return;
  logger.info('building the client (vite build)…');
  const { build } = await import('vite');
  await build({ root, logLevel: 'warn', configFile: join(root, 'vite.config.ts') });
}

function newerThan(path: string, time: number): boolean {
  if (!existsSync(path)) return false;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs > time;
  return readdirSync(path).some((name) => newerThan(join(path, name), time));
}
