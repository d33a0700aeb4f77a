/**
 * Every query the engine and the UI make of the queue. Rows are read a page at a time through the
 * (state, id) index, so a queue of 100,000 files never becomes 100,000 objects in memory.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { QueueTotals } from '../../shared/engine-api.ts';
import type { ErrorInfo } from '../../shared/errors.ts';
import { segmentSlices } from '../../shared/queue-order.ts';
import {
  IllegalTransitionError,
  fileStates,
  forgottenUpload,
  inFlightStates,
  statesLeadingTo,
  type FileState,
} from '../../shared/file-states.ts';
import { columnOf, toRow, type FilePatch, type FileRow, type NewFile, type RawRow } from './file-rows.ts';
import { IntakeStore } from './intake-store.ts';
import { Statements } from './statements.ts';

export type { FilePatch, FileRow, NewFile } from './file-rows.ts';

/** The queue, over one open database. */
export class QueueStore extends Statements {
  /** Watched folders and ComfyUI generations, in the same database. */
  readonly intake: IntakeStore;

  constructor(db: DatabaseSync) {
    super(db);
    this.intake = new IntakeStore(db);
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

  /** Writes fields of a row other than its state. */
  update(id: number, patch: FilePatch): void {
    const { sets, values } = assignments(patch);
    this.q(`UPDATE files SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /**
   * Moves a row to `to` (with `patch` in the same write) if the state machine allows it from the
   * state the row is in; throws `IllegalTransitionError` if not. The check is the UPDATE's own WHERE,
   * so a legal move costs one statement.
   */
  transition(id: number, to: FileState, patch: FilePatch = {}): void {
    const from = statesLeadingTo(to);
    const { sets, values } = assignments(patch);
    const marks = from.map(() => '?').join(', ');
    const r = this.q(`UPDATE files SET state = ?, ${sets.join(', ')} WHERE id = ? AND state IN (${marks})`).run(to, ...values, id, ...from);
    if (Number(r.changes) > 0) return;
    const row = this.q('SELECT state FROM files WHERE id = ?').get(id) as { state: FileState } | undefined;
    if (row) throw new IllegalTransitionError(id, row.state, to);
  }

  /** Counts one failed try of a call and keeps its error (one statement, no read back). */
  recordAttempt(id: number, error: ErrorInfo): void {
    this.q('UPDATE files SET attempts = attempts + 1, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?').run(
      error.code,
      error.message,
      new Date().toISOString(),
      id,
    );
  }

  /** The server forgot the row's upload: drops its parts and the upload it had requested, in one commit. */
  forgetUpload(id: number, patch: FilePatch = forgottenUpload): void {
    this.transaction(() => {
      this.clearParts(id);
      this.update(id, patch);
    });
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

  /**
   * A page for the UI in attention order (shared/queue-order.ts): in progress, then waiting, then
   * settled. Each segment is one state read through the (state, id) index, never a sort of the table.
   */
  pageOrdered(offset: number, limit: number, states?: readonly FileState[]): { rows: FileRow[]; total: number } {
    const counts = Object.fromEntries(
      (this.q('SELECT state, COUNT(*) AS n FROM files GROUP BY state').all() as { state: FileState; n: number }[]).map((r) => [r.state, r.n]),
    ) as Partial<Record<FileState, number>>;
    const total = fileStates.reduce((n, s) => n + (!states || states.includes(s) ? (counts[s] ?? 0) : 0), 0);
    const rows: FileRow[] = [];
    for (const slice of segmentSlices(counts, offset, limit, states)) {
      const dir = slice.newestFirst ? 'DESC' : 'ASC';
      const raw = this.q(`SELECT * FROM files WHERE state = ? ORDER BY id ${dir} LIMIT ? OFFSET ?`).all(slice.state, slice.limit, slice.offset);
      for (const r of raw as unknown as RawRow[]) rows.push(toRow(r));
    }
    return { rows, total };
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
    const marks = inFlightStates.map(() => '?').join(', ');
    return Number(this.q(`UPDATE files SET state = 'queued' WHERE state IN (${marks})`).run(...inFlightStates).changes);
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
}

/** The SET clause of a patch (with `updated_at`), and its values in order. */
function assignments(patch: FilePatch): { sets: string[]; values: (string | number | null)[] } {
  const sets: string[] = [];
  const values: (string | number | null)[] = [];
  for (const [k, v] of Object.entries(patch)) {
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
  return { sets, values };
}
