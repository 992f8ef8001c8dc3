import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction as PGliteTransaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';

/** What a query runs on: the database itself, or one open transaction. Parameters are `$1, $2, …`. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * Durable data: an embedded Postgres (PGlite, in this process) by default, a Postgres server when DATABASE_URL
 * is set. Both speak the same SQL, so migrations and queries are written once.
 */
export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Commits when `fn` resolves, rolls back when it throws. Run every statement of `fn` on `tx`. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A Postgres server (`postgres://user:pass@host:5432/db`); when absent, the embedded engine is used. */
  databaseUrl?: string | undefined;
  /** Where the embedded engine keeps its files (`<dataDir>/pglite`); in memory when absent. */
  dataDir?: string | undefined;
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPGlite(options.dataDir);
}

/** The SQLSTATE of a database error (`23505` unique violation, …), from either engine. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A timestamptz as an ISO string: node-postgres and PGlite hand back Dates, a text cast hands back a string. */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its server must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined);
  const on = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  await pool.query('SELECT 1');
  return {
    engine: 'postgres',
    ...on(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(on(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  let dir: string | undefined;
  if (dataDir) {
    dir = path.resolve(dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
  }
  const db = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), extensions: { pg_trgm } });
  const on = (client: PGlite | PGliteTransaction): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query<T>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  });
  let closed = false;
  return {
    engine: 'pglite',
    ...on(db),
    transaction: (fn) => db.transaction((tx) => fn(on(tx))),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
