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
  // 3 (issue 11): each row bound to the backend it was queued for (API + user), so an engine never
  // touches another backend's rows; a note for the person (secrets the file holds); a staged copy to
  // send instead of the file (--strip-secrets) with the source's own size kept for the dedupe; and
  // the row a --replace upload replaces once it is in. Rows from before are adopted by the first
  // engine that opens the queue (they were queued when there was only one backend).
  `
  ALTER TABLE files ADD COLUMN backend TEXT;
  ALTER TABLE files ADD COLUMN note TEXT;
  ALTER TABLE files ADD COLUMN upload_path TEXT;
  ALTER TABLE files ADD COLUMN source_size INTEGER;
  ALTER TABLE files ADD COLUMN replaces_id INTEGER;
  CREATE INDEX files_backend_state_id ON files(backend, state, id);
  `,
];

/** The schema version this code writes; a newer database is refused rather than corrupted. */
export const SCHEMA_VERSION = migrations.length;

/** Opens (creating if needed) the queue database and brings its schema up to date. */
export function openDatabase(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file);
  // The queue holds paths and prompts; SQLite gives its -wal and -shm files the database's mode.
  if (file !== ':memory:') chmodSync(file, 0o600);
  // Before the WAL switch: two processes opening one data directory at once (two `ferry upload`s) contend for the
  // WAL switch and the migrations; without a busy timeout the loser fails with "database is locked".
  db.exec('PRAGMA busy_timeout = 5000');
  // Two connections that both hold a read lock and both want the write lock (the WAL switch of a
  // fresh file, a migration) deadlock, and SQLite answers one of them SQLITE_BUSY at once instead of
  // calling the busy handler: seen as "database is locked" when two `ferry upload`s start together.
  // The loser steps back and tries again (bounded); by then the winner has switched and migrated.
  untilNotBusy(() => {
    db.exec('PRAGMA journal_mode = WAL');
    migrate(db);
  });
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

/** Runs `step`, again after a short pause while SQLite answers that the database is busy (50 tries, ~5 s). */
function untilNotBusy(step: () => void): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      step();
      return;
    } catch (err) {
      const busy = /database is locked|SQLITE_BUSY/i.test(String((err as Error).message));
      if (!busy || attempt >= 50) throw err;
      // A synchronous open: block this thread briefly (nothing else of this process needs it yet).
      Atomics.wait(pause, 0, 0, 100);
    }
  }
}

function migrate(db: DatabaseSync): void {
  const version = () => (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (;;) {
    if (version() > SCHEMA_VERSION) throw new Error(`queue database is schema ${version()}, newer than this Ferry (${SCHEMA_VERSION})`);
    if (version() === SCHEMA_VERSION) return;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Read again under the write lock: another process opening the same data directory at the
      // same moment may have applied this step while we waited ("table files already exists").
      const v = version();
      if (v < SCHEMA_VERSION) {
        db.exec(migrations[v]!);
        db.exec(`PRAGMA user_version = ${v + 1}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}
