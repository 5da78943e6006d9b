/**
 * The SQLite and Postgres schemas stay level: a fresh database of each, migrated, has the same
 * tables, the same columns (name, type family, NOT NULL, default), the same primary keys and the
 * same indexes (name, unique, columns in order, partial predicate). A migration added to one schema
 * and not the other fails here. Migrations that move data keep it (jsonb to json; fair tags per
 * room to per wearer). Needs Postgres (skips with a message without it, fails under CI).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/server/db/postgres-schema.js';
import { openSqlite } from '../../src/server/db/sqlite.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';

const missing = needServices('Schema comparison with Postgres');
const cleanups = cleanupAfterEach();

/** One database's schema, in terms both databases share. */
interface Schema {
  /** `table.column` → `family, NOT NULL?, default?` */
  columns: Record<string, string>;
  /** table → primary key columns, in order */
  primaryKeys: Record<string, string[]>;
  /** index name → `table (columns) [unique] [WHERE predicate]` */
  indexes: Record<string, string>;
}

/**
 * What each side has on purpose that the other has not: Postgres counts migrations in a table
 * (SQLite in `user_version`), and numbers matches in `created_seq` for `listMatches`' order
 * (SQLite uses its `rowid`).
 */
const POSTGRES_ONLY = { tables: ['bgio_chaster_schema'], columns: ['matches.created_seq'] };

/**
 * A declared type as one family. SQLite has no boolean (0/1 integers) and keeps JSON as TEXT;
 * Postgres' `json` keeps the text as given, so it is the TEXT family. `jsonb` is not: it re-sorts
 * object keys, so a game that iterates keys in insertion order would play differently there.
 */
function family(declared: string): string {
  const type = declared.toLowerCase();
  if (['integer', 'bigint', 'smallint', 'boolean'].includes(type)) return 'integer';
  if (['text', 'json'].includes(type)) return 'text';
  return type;
}

/** A partial index predicate without quoting, casts, parentheses or spacing. */
function predicate(text: string | null): string {
  if (!text) return '';
  return ` WHERE ${text
    .replace(/::[a-z ]+/gi, '')
    .replace(/[()\s"]/g, '')
    .toLowerCase()}`;
}

function sqliteSchema(): Schema {
  const db = openSqlite(':memory:');
  const schema: Schema = { columns: {}, primaryKeys: {}, indexes: {} };
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .all() as Array<{ name: string }>;
  for (const { name: table } of tables) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>;
    for (const c of columns) {
      // A PRIMARY KEY column is NOT NULL in Postgres; SQLite only enforces it for INTEGER keys.
      const notNull = c.notnull === 1 || c.pk > 0;
      schema.columns[`${table}.${c.name}`] = describeColumn(
        family(c.type),
        notNull,
        c.dflt_value !== null,
      );
    }
    const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (pk.length > 0) schema.primaryKeys[table] = pk.map((c) => c.name);
    const indexes = db.prepare(`PRAGMA index_list(${table})`).all() as Array<{
      name: string;
      unique: number;
      origin: string;
    }>;
    for (const index of indexes.filter((i) => i.origin === 'c')) {
      const cols = (
        db.prepare(`PRAGMA index_info(${index.name})`).all() as Array<{
          seqno: number;
          name: string;
        }>
      )
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      const { sql } = db
        .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`)
        .get(index.name) as { sql: string };
      const where = /\bWHERE\b([\s\S]*)$/i.exec(sql)?.[1] ?? null;
      schema.indexes[index.name] = describeIndex(table, cols, index.unique === 1, where);
    }
  }
  db.close();
  return schema;
}

async function postgresSchema(url: string): Promise<Schema> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migratePostgres(pool);
    const schema: Schema = { columns: {}, primaryKeys: {}, indexes: {} };
    const { rows: columns } = await pool.query<{
      table: string;
      name: string;
      type: string;
      not_null: boolean;
      has_default: boolean;
    }>(
      `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, NULL) AS type,
              a.attnotnull AS not_null, a.atthasdef AS has_default
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    for (const c of columns) {
      if (POSTGRES_ONLY.tables.includes(c.table)) continue;
      if (POSTGRES_ONLY.columns.includes(`${c.table}.${c.name}`)) continue;
      schema.columns[`${c.table}.${c.name}`] = describeColumn(
        family(c.type),
        c.not_null,
        c.has_default,
      );
    }
    const { rows: indexes } = await pool.query<{
      table: string;
      name: string;
      primary: boolean;
      unique: boolean;
      columns: string[];
      predicate: string | null;
    }>(
      `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique,
              array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    ORDER BY k.ord)::text[] AS columns,
              pg_get_expr(x.indpred, x.indrelid) AS predicate
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public'`,
    );
    for (const index of indexes) {
      if (POSTGRES_ONLY.tables.includes(index.table)) continue;
      if (index.primary) schema.primaryKeys[index.table] = index.columns;
      else
        schema.indexes[index.name] = describeIndex(
          index.table,
          index.columns,
          index.unique,
          index.predicate,
        );
    }
    return schema;
  } finally {
    await pool.end();
  }
}

function describeColumn(type: string, notNull: boolean, hasDefault: boolean): string {
  return [type, notNull ? 'NOT NULL' : 'NULL', hasDefault ? 'DEFAULT' : ''].join(' ').trim();
}

function describeIndex(
  table: string,
  columns: string[],
  unique: boolean,
  where: string | null,
): string {
  return `${table} (${columns.join(', ')})${unique ? ' unique' : ''}${predicate(where)}`;
}

describe('schemas', () => {
  it('a migrated SQLite database and a migrated Postgres database have the same tables, columns, keys and indexes', async (ctx) => {
    if (missing()) return ctx.skip();
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const [sqlite, postgres] = [sqliteSchema(), await postgresSchema(db.url)];
    // Sanity: the introspection found the tables and the partial indexes at all.
    expect(Object.keys(sqlite.primaryKeys)).toContain('matches');
    expect(sqlite.indexes.outbox_fair).toMatch(/WHERE status='queued'$/);
    expect(postgres.columns).toEqual(sqlite.columns);
    expect(postgres.primaryKeys).toEqual(sqlite.primaryKeys);
    expect(postgres.indexes).toEqual(sqlite.indexes);
  });

  it('a Postgres database migrated from jsonb columns keeps its rows and reads them back', async (ctx) => {
    if (missing()) return ctx.skip();
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    cleanups.push(() => pool.end());
    // The four migrations of the release before JSON kept its key order, and one match.
    await migratePostgres(pool, 4);
    await pool.query(
      `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, updated_at)
       VALUES ('m1', 'g', 0, $1, $1, $2, 5)`,
      [JSON.stringify({ G: { b: 1, a: 2 }, _stateID: 0 }), JSON.stringify({ gameName: 'g' })],
    );
    await pool.query(`INSERT INTO match_log (match_id, seq, entry) VALUES ('m1', 0, '{"x":1}')`);
    await pool.query(
      `INSERT INTO rooms (match_id, policy, created_at) VALUES ('m1', '{"cooldownMs":0}', 1)`,
    );
    await migratePostgres(pool);
    const { rows } = await pool.query<{ state: unknown; entry: unknown; policy: unknown }>(
      `SELECT m.state, l.entry, r.policy FROM matches m
       JOIN match_log l USING (match_id) JOIN rooms r USING (match_id)`,
    );
    // jsonb had already sorted the keys of rows written before: that order cannot come back.
    expect(rows).toEqual([
      { state: { G: { a: 2, b: 1 }, _stateID: 0 }, entry: { x: 1 }, policy: { cooldownMs: 0 } },
    ]);
  });

  it('a Postgres database migrated from tags per room carries each wearer on after their highest open tag', async (ctx) => {
    if (missing()) return ctx.skip();
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    cleanups.push(() => pool.end());
    // The six migrations of the release that tagged per room: wearer a in two rooms, b in one.
    await migratePostgres(pool, 6);
    for (const [matchID, wearer, lastTag] of [
      ['r1', 'a', 7],
      ['r2', 'a', 3],
      ['r3', 'b', 2],
    ] as const) {
      await pool.query(
        `INSERT INTO rooms (match_id, policy, created_at, last_tag) VALUES ($1, '{}', 0, $2)`,
        [matchID, lastTag],
      );
      await pool.query(
        `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
         VALUES ($1, '0', 'l', $2, 'wearer', 'u', 'k', 'h', 0)`,
        [matchID, wearer],
      );
    }
    const row = (id: string, matchID: string, status: string, tag: number) =>
      pool.query(
        `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, status,
                             next_attempt_at, created_at, updated_at, fair_tag)
         VALUES ($1, $2, 1, 0, '0', 'lost', 'rules', $3, 0, 0, 0, $4)`,
        [id, matchID, status, tag],
      );
    await row('r1:1', 'r1', 'delivered', 9);
    await row('r1:2', 'r1', 'queued', 6);
    await row('r2:1', 'r2', 'sending', 3);
    await row('r3:1', 'r3', 'delivered', 2);
    await migratePostgres(pool);
    const { rows } = await pool.query<{ session_id: string; last_tag: string }>(
      'SELECT session_id, last_tag FROM fair_turns ORDER BY session_id',
    );
    // b has nothing open: no turn, so b's next row joins the head of the queue.
    expect(rows.map((r) => [r.session_id, Number(r.last_tag)])).toEqual([['a', 6]]);
    const { rows: columns } = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'rooms' AND column_name = 'last_tag'`,
    );
    expect(columns).toEqual([]);
  });
});
