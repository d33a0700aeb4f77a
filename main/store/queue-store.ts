/**
 * Every query the engine and the UI make of the queue. Rows are read a page at a time through the
 * (state, id) index, so a queue of 100,000 files never becomes 100,000 objects in memory.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { fileStates, type FileState, type QueueTotals, type WatchedFolder } from '../../shared/engine-api.ts';
import type { ErrorCode, ErrorInfo } from '../../shared/errors.ts';

/** One queue row as the engine sees it. */
export interface FileRow {
  id: number;
  path: string;
  target: string;
  size: number;
  mtimeMs: number;
  mimeType: string;
  state: FileState;
  albumId: string | null;
  generationId: string | null;
  genIndex: number | null;
  metadata: Record<string, unknown> | null;
  sha256: string | null;
  mediaId: string | null;
  objectKey: string | null;
  uploadType: 'single' | 'multipart' | null;
  uploadId: string | null;
  partSize: number | null;
  partCount: number | null;
  attempts: number;
  bytesSent: number;
  error: ErrorInfo | null;
  skipReason: string | null;
  thumbnail: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new row needs. */
export interface NewFile {
  path: string;
  target: string;
  size: number;
  mtimeMs: number;
  mimeType: string;
  albumId?: string;
  generationId?: string;
  genIndex?: number;
  metadata?: Record<string, unknown>;
}

/** States a row is in while the engine works on it; a crash leaves rows here, and start-up requeues them. */
export const activeStates: readonly FileState[] = ['hashing', 'requesting', 'uploading'];
/** States a row never leaves by itself. */
export const finalStates: readonly FileState[] = ['uploaded', 'failed', 'skipped', 'cancelled'];

interface RawRow {
  id: number;
  path: string;
  target: string;
  size: number;
  mtime_ms: number;
  mime_type: string;
  state: string;
  album_id: string | null;
  generation_id: string | null;
  gen_index: number | null;
  metadata: string | null;
  sha256: string | null;
  media_id: string | null;
  object_key: string | null;
  upload_type: string | null;
  upload_id: string | null;
  part_size: number | null;
  part_count: number | null;
  attempts: number;
  bytes_sent: number;
  error_code: string | null;
  error_message: string | null;
  skip_reason: string | null;
  thumbnail: string | null;
  created_at: string;
  updated_at: string;
}

function toRow(r: RawRow): FileRow {
  return {
    id: r.id,
    path: r.path,
    target: r.target,
    size: r.size,
    mtimeMs: r.mtime_ms,
    mimeType: r.mime_type,
    state: r.state as FileState,
    albumId: r.album_id,
    generationId: r.generation_id,
    genIndex: r.gen_index,
    metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : null,
    sha256: r.sha256,
    mediaId: r.media_id,
    objectKey: r.object_key,
    uploadType: r.upload_type as FileRow['uploadType'],
    uploadId: r.upload_id,
    partSize: r.part_size,
    partCount: r.part_count,
    attempts: r.attempts,
    bytesSent: r.bytes_sent,
    error: r.error_code ? { code: r.error_code as ErrorCode, message: r.error_message ?? '' } : null,
    skipReason: r.skip_reason,
    thumbnail: r.thumbnail,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const columnOf = {
  state: 'state',
  sha256: 'sha256',
  mediaId: 'media_id',
  objectKey: 'object_key',
  uploadType: 'upload_type',
  uploadId: 'upload_id',
  partSize: 'part_size',
  partCount: 'part_count',
  attempts: 'attempts',
  bytesSent: 'bytes_sent',
  skipReason: 'skip_reason',
  thumbnail: 'thumbnail',
  size: 'size',
  mtimeMs: 'mtime_ms',
} as const;
/** Fields of a row the engine may change. */
export type FilePatch = Partial<Pick<FileRow, keyof typeof columnOf>> & { error?: ErrorInfo | null };

/**
 * What a retried row starts from: the server's upload (media ID, key, multipart ID and plan) is
 * forgotten, since a failed or cancelled record can't be resumed; the file's sha256 is kept.
 * Callers clear the row's parts too.
 */
export const freshAttempt = {
  attempts: 0,
  error: null,
  mediaId: null,
  objectKey: null,
  uploadType: null,
  uploadId: null,
  partSize: null,
  partCount: null,
  bytesSent: 0,
} as const satisfies FilePatch;

/** The queue, over one open database. */
export class QueueStore {
  readonly db: DatabaseSync;
  private readonly stmts = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private q(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one transaction (many inserts in one commit are ~100× faster than one each). */
  transaction<T>(fn: () => T): T {
    // Re-entrant: an inner call joins the outer transaction (SQLite has no nested BEGIN).
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  insertFile(f: NewFile, state: FileState = 'queued'): number {
    const now = new Date().toISOString();
    const r = this.q(
      `INSERT INTO files (path, target, size, mtime_ms, mime_type, state, album_id, generation_id, gen_index, metadata, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      f.path,
      f.target,
      f.size,
      Math.trunc(f.mtimeMs),
      f.mimeType,
      state,
      f.albumId ?? null,
      f.generationId ?? null,
      f.genIndex ?? null,
      f.metadata ? JSON.stringify(f.metadata) : null,
      now,
      now,
    );
    return Number(r.lastInsertRowid);
  }

  get(id: number): FileRow | undefined {
    const r = this.q('SELECT * FROM files WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  getMany(ids: number[]): FileRow[] {
    const out: FileRow[] = [];
    for (const id of ids) {
      const r = this.get(id);
      if (r) out.push(r);
    }
    return out;
  }

  /** The newest row for this path and target, if any. */
  findByPath(path: string, target: string): FileRow | undefined {
    const r = this.q('SELECT * FROM files WHERE path = ? AND target = ? ORDER BY id DESC LIMIT 1').get(path, target) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  findByMediaId(mediaId: string): FileRow | undefined {
    const r = this.q('SELECT * FROM files WHERE media_id = ? ORDER BY id DESC LIMIT 1').get(mediaId) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  update(id: number, patch: FilePatch): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'error') continue;
      const col = columnOf[k as keyof typeof columnOf];
      if (!col) continue;
      sets.push(`${col} = ?`);
      values.push((v ?? null) as string | number | null);
    }
    if ('error' in patch) {
      sets.push('error_code = ?', 'error_message = ?');
      values.push(patch.error?.code ?? null, patch.error?.message ?? null);
    }
    sets.push('updated_at = ?');
    values.push(new Date().toISOString());
    values.push(id);
    this.q(`UPDATE files SET ${sets.join(', ')} WHERE id = ?`).run(...values);
  }

  /** Up to `limit` rows in `state`, oldest first, skipping ids the engine already holds. */
  nextInState(state: FileState, limit: number, exclude: ReadonlySet<number>): FileRow[] {
    // The exclusion happens in SQL (one statement for any number of ids): fetching limit + |exclude|
    // rows and filtering here converted ~2 rows per slot for every file that finished.
    const rows = this.q('SELECT * FROM files WHERE state = ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?').all(
      state,
      JSON.stringify([...exclude]),
      limit,
    ) as unknown as RawRow[];
    return rows.map(toRow);
  }

  /** Rows whose id is above `afterId` in `state`: a keyset page for the status poller. */
  pageInState(state: FileState, afterId: number, limit: number): FileRow[] {
    const rows = this.q('SELECT * FROM files WHERE state = ? AND id > ? ORDER BY id LIMIT ?').all(state, afterId, limit) as unknown as RawRow[];
    return rows.map(toRow);
  }

  countInState(state: FileState): number {
    return (this.q('SELECT COUNT(*) AS n FROM files WHERE state = ?').get(state) as { n: number }).n;
  }

  /** A page for the UI, newest first, optionally filtered by state. */
  page(offset: number, limit: number, states?: readonly FileState[]): { rows: FileRow[]; total: number } {
    if (states && states.length > 0) {
      const marks = states.map(() => '?').join(', ');
      const rows = this.db
        .prepare(`SELECT * FROM files WHERE state IN (${marks}) ORDER BY id DESC LIMIT ? OFFSET ?`)
        .all(...states, limit, offset) as unknown as RawRow[];
      const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM files WHERE state IN (${marks})`).get(...states) as { n: number }).n;
      return { rows: rows.map(toRow), total };
    }
    const rows = this.q('SELECT * FROM files ORDER BY id DESC LIMIT ? OFFSET ?').all(limit, offset) as unknown as RawRow[];
    const total = (this.q('SELECT COUNT(*) AS n FROM files').get() as { n: number }).n;
    return { rows: rows.map(toRow), total };
  }

  /** Counts and bytes per state, aggregated in SQLite (one indexed pass, no rows in memory). */
  totals(): Omit<QueueTotals, 'rate' | 'etaSeconds'> {
    const byState = Object.fromEntries(fileStates.map((s) => [s, 0])) as Record<FileState, number>;
    let files = 0;
    let bytesTotal = 0;
    let bytesSent = 0;
    const rows = this.q(
      'SELECT state, COUNT(*) AS n, SUM(size) AS size, SUM(bytes_sent) AS sent FROM files GROUP BY state',
    ).all() as { state: FileState; n: number; size: number | null; sent: number | null }[];
    for (const r of rows) {
      byState[r.state] = r.n;
      files += r.n;
      if (r.state === 'cancelled' || r.state === 'skipped') continue;
      bytesTotal += r.size ?? 0;
      bytesSent += r.state === 'uploaded' || r.state === 'processing' ? (r.size ?? 0) : (r.sent ?? 0);
    }
    return { files, byState, bytesTotal, bytesSent };
  }

  /** Puts rows a crash left mid-work back in the queue; their parts and mediaId stay, so work resumes. */
  requeueActive(): number {
    const marks = activeStates.map(() => '?').join(', ');
    return Number(this.db.prepare(`UPDATE files SET state = 'queued' WHERE state IN (${marks})`).run(...activeStates).changes);
  }

  /** Ids of rows in any of `states` (bounded by `limit`). */
  idsInStates(states: readonly FileState[], limit: number): number[] {
    const marks = states.map(() => '?').join(', ');
    return (this.db.prepare(`SELECT id FROM files WHERE state IN (${marks}) ORDER BY id LIMIT ?`).all(...states, limit) as { id: number }[]).map(
      (r) => r.id,
    );
  }

  deleteRows(ids: number[]): void {
    this.transaction(() => {
      for (const id of ids) {
        this.q('DELETE FROM parts WHERE file_id = ?').run(id);
        this.q('DELETE FROM files WHERE id = ?').run(id);
      }
    });
  }

  // ---- multipart parts ----------------------------------------------------------------------

  /** Records one finished part the moment its ETag arrives, so a crash never re-sends it. */
  savePart(fileId: number, partNumber: number, etag: string, size: number, sha256?: string): void {
    this.q('INSERT OR REPLACE INTO parts (file_id, part_number, etag, size, sha256) VALUES (?, ?, ?, ?, ?)').run(fileId, partNumber, etag, size, sha256 ?? null);
    this.q('UPDATE files SET bytes_sent = (SELECT COALESCE(SUM(size), 0) FROM parts WHERE file_id = ?) WHERE id = ?').run(fileId, fileId);
  }

  parts(fileId: number): { partNumber: number; etag: string; size: number; sha256?: string }[] {
    return (
      this.q('SELECT part_number, etag, size, sha256 FROM parts WHERE file_id = ? ORDER BY part_number').all(fileId) as {
        part_number: number;
        etag: string;
        size: number;
        sha256: string | null;
      }[]
    ).map((p) => ({ partNumber: p.part_number, etag: p.etag, size: p.size, ...(p.sha256 ? { sha256: p.sha256 } : {}) }));
  }

  clearParts(fileId: number): void {
    this.q('DELETE FROM parts WHERE file_id = ?').run(fileId);
  }

  // ---- hash cache ---------------------------------------------------------------------------

  /** The sha256 already computed for this exact path, size and mtime. */
  cachedHash(path: string, size: number, mtimeMs: number): string | undefined {
    const r = this.q('SELECT sha256 FROM hash_cache WHERE path = ? AND size = ? AND mtime_ms = ?').get(path, size, Math.trunc(mtimeMs)) as
      | { sha256: string }
      | undefined;
    return r?.sha256;
  }

  saveHash(path: string, size: number, mtimeMs: number, sha256: string): void {
    this.q('INSERT OR REPLACE INTO hash_cache (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)').run(path, size, Math.trunc(mtimeMs), sha256);
  }

  // ---- key/value flags ----------------------------------------------------------------------

  getFlag(key: string): string | undefined {
    return (this.q('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setFlag(key: string, value: string): void {
    this.q('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)').run(key, value);
  }

  // ---- watched folders ----------------------------------------------------------------------

  listWatches(): Omit<WatchedFolder, 'missing'>[] {
    return (this.q('SELECT * FROM watches ORDER BY id').all() as unknown as WatchRaw[]).map(toWatch);
  }

  getWatch(id: number): Omit<WatchedFolder, 'missing'> | undefined {
    const r = this.q('SELECT * FROM watches WHERE id = ?').get(id) as WatchRaw | undefined;
    return r ? toWatch(r) : undefined;
  }

  /** Adds a watched folder, or updates the one already watching `dir`. */
  upsertWatch(dir: string, albumId: string | undefined, comfyui: boolean): number {
    this.q(
      `INSERT INTO watches (dir, album_id, comfyui, enabled) VALUES (?, ?, ?, 1)
       ON CONFLICT(dir) DO UPDATE SET album_id = excluded.album_id, comfyui = excluded.comfyui, enabled = 1`,
    ).run(dir, albumId ?? null, comfyui ? 1 : 0);
    return (this.q('SELECT id FROM watches WHERE dir = ?').get(dir) as { id: number }).id;
  }

  setWatchEnabled(id: number, enabled: boolean): void {
    this.q('UPDATE watches SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id);
  }

  setWatchActivity(id: number, activity: string): void {
    this.q('UPDATE watches SET last_activity = ?, last_activity_at = ? WHERE id = ?').run(activity, new Date().toISOString(), id);
  }

  removeWatch(id: number): void {
    this.q('DELETE FROM watches WHERE id = ?').run(id);
  }

  // ---- ComfyUI generations --------------------------------------------------------------------

  /**
   * The generation a file with this prompt belongs to and its index within it. Files of one prompt
   * execution arrive together; the same prompt seen again after `gapMs` of silence is a new execution.
   */
  assignGeneration(promptHash: string, nowMs: number, gapMs: number): { generationId: string; index: number } {
    return this.transaction(() => {
      const r = this.q('SELECT generation_id, next_index, last_at FROM generations WHERE prompt_hash = ?').get(promptHash) as
        | { generation_id: string; next_index: number; last_at: number }
        | undefined;
      if (r && nowMs - r.last_at <= gapMs) {
        this.q('UPDATE generations SET next_index = next_index + 1, last_at = ? WHERE prompt_hash = ?').run(nowMs, promptHash);
        return { generationId: r.generation_id, index: r.next_index };
      }
      const generationId = `${promptHash.slice(0, 24)}-${nowMs.toString(36)}`;
      this.q('INSERT OR REPLACE INTO generations (prompt_hash, generation_id, next_index, last_at) VALUES (?, ?, 1, ?)').run(
        promptHash,
        generationId,
        nowMs,
      );
      return { generationId, index: 0 };
    });
  }
}

interface WatchRaw {
  id: number;
  dir: string;
  album_id: string | null;
  comfyui: number;
  enabled: number;
  last_activity_at: string | null;
  last_activity: string | null;
}

function toWatch(r: WatchRaw): Omit<WatchedFolder, 'missing'> {
  return {
    id: r.id,
    dir: r.dir,
    ...(r.album_id ? { albumId: r.album_id } : {}),
    comfyui: r.comfyui === 1,
    enabled: r.enabled === 1,
    ...(r.last_activity_at ? { lastActivityAt: r.last_activity_at } : {}),
    ...(r.last_activity ? { lastActivity: r.last_activity } : {}),
  };
}
