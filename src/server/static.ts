/**
 * Serves a built single-page client (Vite's `dist/`) from the game server's port: files by path,
 * `index.html` for every other GET that is not the API, socket.io or a Lobby path.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context, Next } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

// `/games` is boardgame.io's Lobby, which is not served: a JSON 404, not the page.
const NOT_STATIC = /^\/(api|games|socket\.io|healthz)(\/|$)/i;

/** Koa middleware serving the files under `dir`, with an SPA fallback to `index.html`. */
export function serveStatic(dir: string) {
  const root = resolve(dir);
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || NOT_STATIC.test(ctx.path)) return next();
    let relative: string;
    try {
      relative = normalize(decodeURIComponent(ctx.path)).replace(/^([/\\])+/, '');
    } catch {
      return next();
    }
    let file = join(root, relative);
    // Never leave the client folder, whatever the path says.
    if (file !== root && !file.startsWith(root + sep)) return next();
    let info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      // Paths with an extension are files that do not exist; others are client routes.
      if (extname(relative) !== '') return next();
      file = join(root, 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) return next();
    }
    ctx.status = 200;
    ctx.set('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    ctx.set('content-length', String(info.size));
    // Vite fingerprints assets; index.html must always be fresh.
    ctx.set(
      'cache-control',
      file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.body = ctx.method === 'HEAD' ? null : createReadStream(file);
  };
}
