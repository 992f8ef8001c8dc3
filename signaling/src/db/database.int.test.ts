import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServer } from '../../../infra/src/postgres-server.ts';
import { openDatabase, sqlState, type Database } from './database.ts';
import { loadMigrations, migrate } from './migrate.ts';

let postgres: PostgresServer;
let dataParent: string;

beforeAll(async () => {
  [postgres, dataParent] = await Promise.all([startPostgresServer(), mkdtemp(path.join(tmpdir(), 'dualclass-db-'))]);
});
afterAll(async () => {
  await postgres?.stop();
  if (dataParent) await rm(dataParent, { recursive: true, force: true });
});

describe.each([
  ['embedded PGlite', () => openDatabase({})],
  ['Debian PostgreSQL', () => openDatabase({ databaseUrl: postgres.url })],
])('%s', (_name, open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies every migration once, in order, and records it', async () => {
    const names = (await loadMigrations()).map((m) => m.name);
    expect(names[0]).toBe('001_library.sql');
    expect(await migrate(db)).toEqual(names);
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: string; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.name)).toEqual(names);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'classrooms', 'lesson_classrooms', 'lessons', 'library_downloads', 'library_entries', 'library_files', 'schema_migrations', 'timeline_events',
    ]);
  });

  it('rolls a failed migration back whole and retries it next time', async () => {
    const broken = [{ version: '900', name: '900_broken.sql', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }];
    await expect(migrate(db, broken)).rejects.toThrow();
    expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).toEqual([]);
    expect(await db.query("SELECT 1 FROM schema_migrations WHERE version = '900'")).toEqual([]);
    const fixed = [{ version: '900', name: '900_fixed.sql', sql: 'CREATE TABLE half_done (id int); DROP TABLE half_done;' }];
    expect(await migrate(db, fixed)).toEqual(['900_fixed.sql']);
    await db.query("DELETE FROM schema_migrations WHERE version = '900'");
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const insert = (tx: Pick<Database, 'query'>, id: string) =>
      tx.query(
        `INSERT INTO library_entries (id, kind, status, title, subject, grade, teacher_name, school, search_text)
         VALUES ($1, 'upload', 'ready', $2, '物理', '九年级', '王老师', '实验中学', $2)`,
        [id, `标题 ${id}`],
      );
    await db.transaction((tx) => insert(tx, 'ent_kept'));
    await expect(
      db.transaction(async (tx) => {
        await insert(tx, 'ent_dropped');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const ids = await db.query<{ id: string }>("SELECT id FROM library_entries WHERE id LIKE 'ent_%' ORDER BY id");
    expect(ids.map((r) => r.id)).toEqual(['ent_kept']);
    const dup = await insert(db, 'ent_kept').catch((err: unknown) => err);
    expect(sqlState(dup)).toBe('23505');
  });

  it('finds Chinese substrings with ILIKE over the trigram-indexed search text', async () => {
    await db.query(
      `INSERT INTO library_entries (id, kind, status, title, subject, grade, teacher_name, school, search_text, knowledge_points)
       VALUES ('ent_em', 'upload', 'ready', '电磁感应', '物理', '九年级', '王老师', '实验中学', $1, $2)`,
      ['电磁感应\n楞次定律', ['楞次定律']],
    );
    const hits = await db.query<{ id: string; knowledge_points: string[] }>(
      'SELECT id, knowledge_points FROM library_entries WHERE search_text ILIKE $1',
      ['%磁感%'],
    );
    expect(hits).toEqual([{ id: 'ent_em', knowledge_points: ['楞次定律'] }]);
    expect(await db.query('SELECT id FROM library_entries WHERE search_text ILIKE $1', ['%光的折射%'])).toEqual([]);
  });
});

describe('embedded PGlite on disk', () => {
  it('keeps its data in <dataDir>/pglite across a reopen', async () => {
    const first = await openDatabase({ dataDir: dataParent });
    await migrate(first);
    await first.query(
      `INSERT INTO library_entries (id, kind, status, title, subject, grade, teacher_name, school, search_text)
       VALUES ('ent_disk', 'upload', 'ready', '光的折射', '物理', '八年级', '李老师', '二中', '光的折射')`,
    );
    await first.close();
    expect(await readdir(dataParent)).toEqual(['pglite']);

    const second = await openDatabase({ dataDir: dataParent });
    expect(await migrate(second)).toEqual([]);
    expect(await second.query('SELECT title FROM library_entries')).toEqual([{ title: '光的折射' }]);
    await second.close();
  });
});
