/**
 * The folder picker's view of the engine's machine. In serve mode the browser cannot see the
 * local disk, so the engine lists folders for it (behind the same token as everything else):
 * names of sub-folders and how many files in the folder Ferry would upload, never file contents.
 */
import { opendir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, parse } from 'node:path';
import type { FolderListing } from '../../shared/engine-api.ts';
import { mimeTypeForFilename } from '../../shared/mime.ts';
import { FatalError } from './errors.ts';

/** A folder with more entries than this is listed partly: the picker stays quick on a huge folder. */
const maxEntries = 20_000;

/** Lists `path` (the home folder when omitted). */
export async function listFolder(path?: string): Promise<FolderListing> {
  const wanted = path ?? homedir();
  if (!isAbsolute(wanted)) throw new FatalError('INVALID_REQUEST', `Give a full path (starting at the root), not ${JSON.stringify(wanted)}.`);
  const real = await realpath(wanted).catch(() => undefined);
  const st = real ? await stat(real).catch(() => undefined) : undefined;
  if (!real || !st?.isDirectory()) throw new FatalError('FILE_NOT_FOUND', `No folder at ${wanted}.`);
  const folders: string[] = [];
  let mediaFiles = 0;
  let seen = 0;
  const dir = await opendir(real).catch((err: NodeJS.ErrnoException) => {
    throw new FatalError('FORBIDDEN', `Ferry may not read ${real} (${err.code ?? err.message}).`);
  });
  for await (const entry of dir) {
    if (++seen > maxEntries) break;
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) folders.push(entry.name);
    else if (entry.isFile() && mimeTypeForFilename(entry.name)) mediaFiles++;
  }
  folders.sort((a, b) => a.localeCompare(b));
  const parent = parse(real).root === real ? null : dirname(real);
  return { path: real, parent, folders, mediaFiles };
}
