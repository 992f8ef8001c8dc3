export { isoTime, openDatabase, sqlState, type Database, type DatabaseOptions, type Queryable } from './database.ts';
export { loadMigrations, migrate, type Migration } from './migrate.ts';
