import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** Any constant: serializes migrations of several signaling nodes starting against one server. */
const MIGRATION_LOCK = 4_242_001;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => MIGRATION_FILE.test(n)).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const version = MIGRATION_FILE.exec(name)![1]!;
    if (migrations.some((m) => m.version === version)) throw new Error(`two migrations numbered ${version}`);
    migrations.push({ version, name, sql: await readFile(new URL(name, dir), 'utf8') });
  }
  return migrations;
}

/**
 * Applies every migration not yet recorded in schema_migrations, in order, each in its own transaction
 * together with its record, so a failed migration leaves no trace and is retried on the next start.
 * Returns the names applied now.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  await db.transaction(async (tx) => {
    if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version text PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  });
  const applied: string[] = [];
  for (const m of all) {
    const done = await db.transaction(async (tx) => {
      if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.length) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.name);
  }
  return applied;
}
