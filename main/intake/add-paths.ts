/**
 * Turns paths (files and folders, walked recursively) into queue rows. The same file to the same
 * target is one row: adding it again is a no-op unless it changed, so re-running `ferry upload`
 * after a crash re-sends nothing that arrived.
 */
import { opendir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { UploadTarget } from '../../shared/engine-api.ts';
import { mimeTypeForFilename } from '../../shared/mime.ts';
import { assertNever } from '../../shared/errors.ts';
import { isRetryable, retryReset } from '../../shared/file-states.ts';
import type { FileRow, QueueStore } from '../store/queue-store.ts';
import { prepareFile, type Prepared } from './prepare.ts';
import { planNewVersion } from './supersede.ts';

/** Names the watcher and folder walk never upload: temp and partial downloads, dotfiles, editor backups. */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.') || name.endsWith('~')) return true;
  return /\.(tmp|temp|part|partial|crdownload|download|swp|lock)$/i.test(name);
}

/** Every file under `root` (or `root` itself), depth-first, skipping ignored names. */
export async function* walkFiles(root: string): AsyncGenerator<string> {
  const st = await stat(root);
  if (!st.isDirectory()) {
    yield resolve(root);
    return;
  }
  const dir = await opendir(root);
  const subdirs: string[] = [];
  for await (const entry of dir) {
    if (isIgnoredName(entry.name)) continue;
    const full = join(resolve(root), entry.name);
    if (entry.isDirectory()) subdirs.push(full);
    else if (entry.isFile()) yield full;
  }
  for (const sub of subdirs.sort()) yield* walkFiles(sub);
}

export interface AddOptions {
  /** put a failed or cancelled row for the same file back in the queue (an explicit re-run does; the watcher does not) */
  requeueFailed: boolean;
  /** for the generation target: gap after which the same prompt counts as a new execution */
  generationGapMs?: number;
  /** a file that changed after its upload replaces that record (`--replace`) instead of leaving it */
  replace?: boolean;
  /** send PNGs whose text chunks hold secrets as a copy without them (`--strip-secrets`) */
  stripSecrets?: boolean;
  /** where those copies go; required with `stripSecrets` */
  stagingDir?: string;
  /**
   * The version the watcher's readiness gate judged (one file): a file that has changed since is
   * not queued, so a rewrite that starts right after the check never queues its half-written bytes.
   */
  version?: { size: number; mtimeMs: number };
}

/** An earlier attempt of a file that a new version supersedes: the engine aborts it, deletes what it left on the server, drops it. */
export interface Superseded {
  id: number;
  deleteRemote: boolean;
}

export interface AddResult {
  added: number;
  /** every file not added: already in the queue, or not a type Ferry uploads */
  skipped: number;
  /** of the skipped, those Ferry does not upload (a `.txt`): said apart, not as "already queued" */
  unsupported: number;
  /** the row of every file that was given, new or existing: what a CLI run reports on */
  ids: number[];
  superseded: Superseded[];
  /** what the person should hear about, per file: secrets it holds (warning), a kept or replaced upload (info) */
  notices: { path: string; message: string; level: 'info' | 'warning' }[];
}

/** The same version of a file as the row: what re-adding it must not queue again. */
const sameVersion = (row: FileRow, f: { size: number; mtimeMs: number }) => (row.sourceSize ?? row.size) === f.size && row.mtimeMs === f.mtimeMs;

/** Files read for metadata at once (exifr and chunk walks: I/O-bound, a few reads each). */
const PREPARE_PARALLEL = 8;

/** Adds files (folders recursively) for `target`. */
export async function addPaths(store: QueueStore, paths: string[], target: UploadTarget, opts: AddOptions): Promise<AddResult> {
  const key = targetKey(target);
  const result: AddResult = { added: 0, skipped: 0, unsupported: 0, ids: [], superseded: [], notices: [] };
  const pending: { path: string; size: number; mtimeMs: number }[] = [];
  const flush = async () => {
    // Metadata is read outside the transaction (it is I/O), and only for versions not queued yet;
    // rows go in one commit per batch.
    const prepared: (Prepared | undefined)[] = new Array(pending.length);
    const todo = pending
      .map((f, i) => ({ f, i, mimeType: mimeTypeForFilename(basename(f.path)) }))
      .filter(({ f, mimeType }) => {
        const existing = store.findByPath(f.path, key);
        return mimeType && !(existing && sameVersion(existing, f));
      });
    for (let at = 0; at < todo.length; at += PREPARE_PARALLEL) {
      await Promise.all(
        todo.slice(at, at + PREPARE_PARALLEL).map(async ({ f, i, mimeType }) => {
          prepared[i] = await prepareFile(f.path, mimeType!, { stripSecrets: Boolean(opts.stripSecrets && opts.stagingDir), stagingDir: opts.stagingDir ?? '' });
        }),
      );
    }
    store.transaction(() => {
      pending.forEach((f, i) => addOne(store, f, key, target, opts, result, prepared[i]));
    });
    pending.length = 0;
  };
  for (const p of paths) {
    for await (const file of walkFiles(p)) {
      let st;
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      const version = { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
      // The watcher's file changed since the gate judged it whole: not this version; the gate follows the new one.
      if (opts.version && (opts.version.size !== version.size || opts.version.mtimeMs !== version.mtimeMs)) continue;
      pending.push({ path: file, ...version });
      if (pending.length >= 500) await flush();
    }
  }
  if (pending.length) await flush();
  return result;
}

/** The MIME type a row of a file Ferry does not upload is stored with. */
const UNSUPPORTED_MIME = 'application/octet-stream';

function addOne(
  store: QueueStore,
  f: { path: string; size: number; mtimeMs: number },
  key: string,
  target: UploadTarget,
  opts: AddOptions,
  result: AddResult,
  prep: Prepared | undefined,
): void {
  const existing = store.findByPath(f.path, key);
  if (existing && sameVersion(existing, f)) {
    if (existing.state === 'skipped' && existing.mimeType === UNSUPPORTED_MIME) result.unsupported++;
    if (opts.requeueFailed && isRetryable(existing.state)) {
      store.transaction(() => {
        store.forgetUpload(existing.id, retryReset);
        store.transition(existing.id, 'queued');
      });
    } else if (existing.state === 'paused' && opts.requeueFailed) {
      store.transition(existing.id, 'queued');
    }
    result.skipped++;
    result.ids.push(existing.id);
    return;
  }
  const mimeType = mimeTypeForFilename(basename(f.path));
  const albumId = target.albumId;
  if (!mimeType) {
    const id = store.insertFile({ path: f.path, target: key, size: f.size, mtimeMs: f.mtimeMs, mimeType: UNSUPPORTED_MIME, ...(albumId ? { albumId } : {}) }, 'skipped');
    store.update(id, { skipReason: `not an image or video Ferry uploads (${extname(f.path) || 'no extension'})` });
    result.skipped++;
    result.unsupported++;
    result.ids.push(id);
    return;
  }
  // A new version of a file queued or uploaded before (supersede.ts decides what becomes of each
  // attempt): the newest row is superseded if it never went through, and the last upload of the
  // path (it may sit under a newer row: a version kept out, a replacement still queued) is kept or replaced.
  const replace = Boolean(opts.replace);
  const earlier = existing ? planNewVersion(existing, replace) : undefined;
  if (existing && earlier?.kind === 'supersede') result.superseded.push({ id: existing.id, deleteRemote: earlier.deleteRemote });
  const uploaded = earlier && earlier.kind !== 'supersede' ? existing : store.findByPath(f.path, key, ['uploaded', 'processing']);
  const plan = uploaded ? planNewVersion(uploaded, replace) : undefined;
  const reason = plan && plan.kind !== 'supersede' ? plan.reason : undefined;
  if (prep?.warning) result.notices.push({ path: f.path, message: prep.warning, level: 'warning' });
  if (reason) result.notices.push({ path: f.path, message: reason, level: 'info' });
  const notes = [prep?.warning, reason].filter((n): n is string => Boolean(n));
  const base = {
    path: f.path,
    target: key,
    mtimeMs: f.mtimeMs,
    mimeType,
    ...(albumId ? { albumId } : {}),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
  if (plan?.kind === 'keep') {
    const id = store.insertFile({ ...base, size: f.size }, 'skipped');
    store.update(id, { skipReason: plan.reason });
    result.skipped++;
    result.ids.push(id);
    return;
  }
  let gen: { generationId: string; index: number } | undefined;
  if (target.kind === 'generation' && prep) gen = store.intake.assignGeneration(prep.promptHash, Date.now(), opts.generationGapMs ?? 120_000);
  const id = store.insertFile({
    ...base,
    // A staged copy (secrets stripped) is what is sent: its size is the row's, the source's is kept for the dedupe.
    size: prep?.staged?.size ?? f.size,
    ...(prep?.staged ? { uploadPath: prep.staged.path, sourceSize: f.size } : {}),
    ...(prep?.metadata ? { metadata: { ...prep.metadata } } : {}),
    ...(gen ? { generationId: gen.generationId, genIndex: gen.index } : {}),
    ...(uploaded && plan?.kind === 'replace-after' ? { replacesId: uploaded.id } : {}),
  });
  result.added++;
  result.ids.push(id);
}

/** The queue target string rows are deduplicated by: the same path to the same place is one row. */
export function targetKey(target: UploadTarget): string {
  switch (target.kind) {
    case 'album':
      return `album:${target.albumId}`;
    case 'generation':
      return `generation:${target.albumId ?? ''}`;
    default:
      return assertNever(target, 'upload target');
  }
}
