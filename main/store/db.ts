/**
 * The local queue database: node:sqlite (synchronous, in-process) in WAL mode so readers (the UI's
 * page queries) never wait on the uploader's writes. Schema changes are numbered migrations keyed on
 * `PRAGMA user_version`, applied in one transaction each.
 */
import { DatabaseSync } from 'node:sqlite';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const migrations: string[] = [
  // 1: files, parts, hash cache, watched folders, ComfyUI generations, key/value flags
  `
  CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    target TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    state TEXT NOT NULL,
    album_id TEXT,
    generation_id TEXT,
    gen_index INTEGER,
    metadata TEXT,
    sha256 TEXT,
    media_id TEXT,
    object_key TEXT,
    upload_type TEXT,
    upload_id TEXT,
    part_size INTEGER,
    part_count INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    bytes_sent INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    skip_reason TEXT,
    thumbnail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX files_state_id ON files(state, id);
  CREATE INDEX files_path_target ON files(path, target);
  CREATE INDEX files_media_id ON files(media_id);
  CREATE TABLE parts (
    file_id INTEGER NOT NULL,
    part_number INTEGER NOT NULL,
    etag TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (file_id, part_number)
  ) WITHOUT ROWID;
  CREATE TABLE hash_cache (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    sha256 TEXT NOT NULL
  );
  CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    dir TEXT NOT NULL UNIQUE,
    album_id TEXT,
    comfyui INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    last_activity_at TEXT,
    last_activity TEXT
  );
  CREATE TABLE generations (
    prompt_hash TEXT PRIMARY KEY,
    generation_id TEXT NOT NULL,
    next_index INTEGER NOT NULL,
    last_at INTEGER NOT NULL
  );
  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 2: each part's sha256. The upload is created with SHA-256 part checksums, so on AWS every part
  // PUT and the complete call must carry it; keeping it saves re-reading a finished part.
  `ALTER TABLE parts ADD COLUMN sha256 TEXT;`,
];

/** The schema version this code writes; a newer database is refused rather than corrupted. */
export const SCHEMA_VERSION = migrations.length;

/** Opens (creating if needed) the queue database and brings its schema up to date. */
export function openDatabase(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file);
  // The queue holds paths and prompts; SQLite gives its -wal and -shm files the database's mode.
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  const current = row.user_version;
  if (current > SCHEMA_VERSION) {
    throw new Error(`queue database is schema ${current}, newer than this Ferry (${SCHEMA_VERSION})`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migrations[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
