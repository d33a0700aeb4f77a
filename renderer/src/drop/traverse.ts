/**
 * What a drop into a browser holds: files and whole folders, walked with the File and Directory
 * Entries API (`webkitGetAsEntry`, in every current browser) so each file keeps its path relative
 * to what was dropped ("trip/day 1/a.jpg"). Entries must be taken while the drop event runs (the
 * DataTransfer is emptied after it), so this is split: `dropEntries` synchronously, then
 * `walkDrop` asynchronously, in batches, so a folder of 10,000 files never blocks the page.
 */

/** A dropped file and its path relative to the drop. */
export interface DroppedFile {
  file: File;
  path: string;
}

export type DropSource = { entry: FileSystemEntry } | { file: File };

/** Takes what the drop holds; call it inside the drop handler. */
export function dropEntries(dt: DataTransfer): DropSource[] {
  const out: DropSource[] = [];
  for (const item of [...dt.items]) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) {
      out.push({ entry });
    } else {
      // A DataTransfer built by script (or an old browser) has files but no entries.
      const file = item.getAsFile();
      if (file) out.push({ file });
    }
  }
  if (out.length === 0) for (const file of [...dt.files]) out.push({ file });
  return out;
}

/** Folder walks skip what the engine's own folder walk skips: dotfiles (.DS_Store) and partial downloads. */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.(tmp|temp|part|partial|crdownload|download|swp|lock)$/i.test(name);
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** One `readEntries` call; Chromium answers at most 100 entries per call, so callers loop. */
const readSome = (reader: FileSystemDirectoryReader) => new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));

/**
 * Walks the dropped sources depth-first, yielding files in batches of up to `batchSize`, and
 * whatever it has every `maxWaitMs`: the first files start streaming while a big folder is still
 * being read.
 */
export async function* walkDrop(sources: DropSource[], batchSize = 200, maxWaitMs = 30): AsyncGenerator<DroppedFile[]> {
  let batch: DroppedFile[] = [];
  let lastYield = Date.now();
  const stack: { entry: FileSystemEntry; prefix: string }[] = [];
  for (const s of sources) {
    if ('file' in s) batch.push({ file: s.file, path: s.file.webkitRelativePath || s.file.name });
    else stack.push({ entry: s.entry, prefix: '' });
  }
  stack.reverse();
  while (stack.length) {
    const { entry, prefix } = stack.pop()!;
    const path = prefix + entry.name;
    if (entry.isFile) {
      try {
        batch.push({ file: await fileOf(entry as FileSystemFileEntry), path });
      } catch {
        // Unreadable (permissions, vanished since the drop): the walk goes on without it.
      }
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      const children: FileSystemEntry[] = [];
      for (let some = await readSome(reader); some.length; some = await readSome(reader)) children.push(...some);
      children.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const c of children) if (!ignored(c.name)) stack.push({ entry: c, prefix: path + '/' });
    }
    if (batch.length >= batchSize || (batch.length && Date.now() - lastYield >= maxWaitMs)) {
      yield batch;
      batch = [];
      lastYield = Date.now();
    }
  }
  if (batch.length) yield batch;
}
