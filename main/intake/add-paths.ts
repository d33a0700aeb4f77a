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
import type { QueueStore } from '../store/queue-store.ts';
import { readComfyInfo } from './comfyui.ts';

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
}

export interface AddResult {
  added: number;
  /** every file not added: already in the queue, or not a type Ferry uploads */
  skipped: number;
  /** of the skipped, those Ferry does not upload (a `.txt`): said apart, not as "already queued" */
  unsupported: number;
  /** the row of every file that was given, new or existing: what a CLI run reports on */
  ids: number[];
}

/** Adds files (folders recursively) for `target`. */
export async function addPaths(store: QueueStore, paths: string[], target: UploadTarget, opts: AddOptions): Promise<AddResult> {
  const key = targetKey(target);
  const result: AddResult = { added: 0, skipped: 0, unsupported: 0, ids: [] };
  const pending: { path: string; size: number; mtimeMs: number }[] = [];
  const flush = async () => {
    // Comfy metadata is read outside the transaction (it is I/O); rows go in one commit per batch.
    const comfy = target.kind === 'generation' ? await Promise.all(pending.map((f) => readComfyInfo(f.path))) : [];
    store.transaction(() => {
      pending.forEach((f, i) => addOne(store, f, key, target, opts, result, comfy[i]));
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
      pending.push({ path: file, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) });
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
  comfy: Awaited<ReturnType<typeof readComfyInfo>> | undefined,
): void {
  const existing = store.findByPath(f.path, key);
  if (existing && existing.size === f.size && existing.mtimeMs === f.mtimeMs) {
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
  let gen: { generationId: string; index: number } | undefined;
  if (target.kind === 'generation' && comfy) gen = store.intake.assignGeneration(comfy.promptHash, Date.now(), opts.generationGapMs ?? 120_000);
  const id = store.insertFile({
    path: f.path,
    target: key,
    size: f.size,
    mtimeMs: f.mtimeMs,
    mimeType,
    ...(albumId ? { albumId } : {}),
    ...(gen ? { generationId: gen.generationId, genIndex: gen.index, metadata: { ...comfy!.metadata } } : {}),
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
