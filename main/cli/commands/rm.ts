/**
 * `ferry rm <mediaId...> [--yes]`: deletes uploaded photos and videos (original, thumbnails and
 * record; SPEC §2 `DELETE /media/{id}`). It names what it is about to delete and asks first; `--yes`
 * skips the question for scripts, and without a terminal to ask on it refuses rather than guess.
 */
import { createInterface } from 'node:readline/promises';
import type { Media } from '../../../shared/api.ts';
import { deleteFailure, deleteMediaMany } from '../../engine/delete-media.ts';
import { EXIT, UsageError, guard, openHost, type ApiFlags } from '../common.ts';

export interface RmFlags extends ApiFlags {
  yes?: boolean;
}

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Runs `ferry rm`. */
export async function run(mediaIds: string[], flags: RmFlags): Promise<never> {
  return guard(async () => {
    if (!flags.yes && !process.stdin.isTTY) {
      throw new UsageError('ferry rm deletes for good and there is no terminal to ask on: add --yes to confirm');
    }
    const host = await openHost(flags);
    try {
      // Look each one up first, so the question names the files and unknown IDs are said up front.
      const found: Media[] = [];
      const missing: { mediaId: string; message: string }[] = [];
      for (const id of new Set(mediaIds)) {
        try {
          found.push(await host.client.getMedia(id));
        } catch (err) {
          missing.push({ mediaId: id, message: deleteFailure(id, err) });
        }
      }
      for (const m of missing) console.error(`not deleted  ${m.mediaId}  ${m.message}`);
      if (found.length === 0) return EXIT.failed;
      if (!flags.yes) {
        for (const m of found) console.error(`  ${m.mediaId}  ${m.filename}`);
        const what = found.length === 1 ? `${found[0]!.filename}` : `these ${found.length} files`;
        if (!(await confirm(`Delete ${what} and ${found.length === 1 ? 'its' : 'their'} thumbnails for good? [y/N] `))) {
          console.error('nothing deleted');
          return EXIT.failed;
        }
      }
      const name = new Map(found.map((m) => [m.mediaId, m.filename]));
      const result = await deleteMediaMany(
        host.client,
        host.store,
        found.map((m) => m.mediaId),
      );
      for (const id of result.deleted) console.log(`deleted      ${id}  ${name.get(id)}`);
      for (const f of result.failed) console.error(`not deleted  ${f.mediaId}  ${f.message}`);
      const failed = result.failed.length + missing.length;
      console.log(`${result.deleted.length} deleted${failed ? `, ${failed} not deleted` : ''}`);
      return failed ? EXIT.failed : EXIT.ok;
    } finally {
      await host.close();
    }
  });
}
