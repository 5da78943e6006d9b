/**
 * WAL checkpoints run in a worker thread: while the main connection only appends to the WAL (its
 * own checkpoint is pushed back to 10,000 pages), the database file still receives the pages.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/server/db/checkpointer.js';
import { openSqlite } from '../../src/server/db/sqlite.js';
import { waitFor } from '../helpers/http-core.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('startCheckpointer', () => {
  it('copies the WAL into the database file from a worker, then stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'game.sqlite');
    const db = openSqlite(path);
    const errors: string[] = [];
    const checkpointer = startCheckpointer(db, { everyMs: 20, onError: (m) => errors.push(m) });
    expect(checkpointer).toBeDefined();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    db.exec('CREATE TABLE blob (id INTEGER PRIMARY KEY, body TEXT)');
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO blob (body) VALUES (?)');
    // ~2,000 pages: under the main connection's own checkpoint threshold.
    for (let i = 0; i < 2000; i++) insert.run('x'.repeat(3000));
    await waitFor(() => statSync(path).size > before + 4_000_000, 'the worker to checkpoint');
    await checkpointer!.stop();
    db.close();
    expect(errors).toEqual([]);
  });

  it('stop() resolves in a process with nothing else to do, so the caller can close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-checkpoint-'));
    dirs.push(dir);
    const src = resolve(import.meta.dirname, '../../src/server/db');
    const script = `
      import { openSqlite } from ${JSON.stringify(join(src, 'sqlite.ts'))};
      import { startCheckpointer } from ${JSON.stringify(join(src, 'checkpointer.ts'))};
      const db = openSqlite(${JSON.stringify(join(dir, 'game.sqlite'))});
      await startCheckpointer(db).stop();
      db.close();
      console.log('closed');`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 20_000 },
    );
    expect(stdout.trim()).toBe('closed');
  });

  it('does nothing for an in-memory database', () => {
    expect(startCheckpointer(openSqlite(':memory:'))).toBeUndefined();
  });
});
