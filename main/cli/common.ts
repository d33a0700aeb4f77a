/**
 * What the `ferry` subcommands share: exit codes, opening the engine for `--api`/`--data-dir`,
 * finding the target album, and numbers from flags.
 */
import type { Album } from '../../shared/api.ts';
import { parseBwSchedule } from '../../shared/bwlimit.ts';
import type { Settings } from '../../shared/engine-api.ts';
import { resolveDataDir } from '../config/paths.ts';
import { openEngineHost, type EngineHostInternals, type OpenEngineHostOptions } from '../engine/host.ts';
import { AuthRequiredError } from '../engine/errors.ts';
import { parseRate } from '../engine/settings.ts';

/**
 * Exit codes scripts can rely on:
 * 0 every file uploaded (or skipped: a duplicate, or not a media file); 1 at least one file failed;
 * 2 usage error (bad flag, missing path, unknown album without --create-album);
 * 3 the backend could not be reached or started; 4 the saved login is gone (`ferry login` again; the
 * queue is kept and resumes); 130 interrupted (Ctrl-C), the queue resumes next run.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, backend: 3, signIn: 4, interrupted: 130 } as const;

/** A usage mistake: printed without a stack, exits 2. */
export class UsageError extends Error {}

export interface ApiFlags {
  api?: string;
  token?: string;
  dataDir?: string;
}

/** Opens the engine host for the command's flags; an unreachable backend exits 3. */
export async function openHost(flags: ApiFlags, extra: Partial<OpenEngineHostOptions> = {}): Promise<EngineHostInternals> {
  try {
    return await openEngineHost({
      dataDir: resolveDataDir(flags.dataDir),
      ...(flags.api ? { apiUrl: flags.api, token: flags.token ?? '' } : {}),
      startWatches: false,
      ...extra,
    });
  } catch (err) {
    console.error(`ferry: cannot reach or start the backend: ${(err as Error).message}`);
    process.exit(EXIT.backend);
  }
}

/** Parses a positive integer flag. */
export function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--${name} must be a whole number from 1 to 64 (got ${value})`);
  return n;
}

/** Parses `--limit-rate`. */
export function rateFlag(value: string | undefined): number {
  if (value === undefined) return 0;
  try {
    return parseRate(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * The run's bandwidth from `--limit-rate` (one rate) or `--bwlimit` (an rclone timetable); neither
 * leaves the saved settings in force. Either flag replaces the saved timetable for this run.
 */
export function bandwidthFlags(flags: { limitRate?: string; bwlimit?: string }): Partial<Pick<Settings, 'bandwidthLimit' | 'bandwidthSchedule'>> {
  if (flags.limitRate !== undefined && flags.bwlimit !== undefined) throw new UsageError('give --limit-rate or --bwlimit, not both');
  if (flags.limitRate !== undefined) return { bandwidthLimit: rateFlag(flags.limitRate), bandwidthSchedule: '' };
  if (flags.bwlimit === undefined) return {};
  try {
    parseBwSchedule(flags.bwlimit);
  } catch (err) {
    throw new UsageError(`--bwlimit: ${(err as Error).message}`);
  }
  return { bandwidthSchedule: flags.bwlimit };
}

/**
 * The album `--album` names: an album ID, else the oldest album with that title, else (with
 * `--create-album`) a new one. Calls retry for a while, since the backend may be coming up.
 */
export async function resolveAlbum(host: EngineHostInternals, idOrTitle: string, create: boolean): Promise<Album> {
  let albums: Album[] | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      albums = await host.client.listAlbums();
      break;
    } catch (err) {
      if (err instanceof AuthRequiredError) {
        console.error(`ferry: ${err.message}`);
        await host.close();
        process.exit(EXIT.signIn);
      }
      if (attempt >= 20) {
        console.error(`ferry: backend at ${host.apiUrl} does not answer: ${(err as Error).message}`);
        await host.close();
        process.exit(EXIT.backend);
      }
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  }
  const byId = albums.find((a) => a.albumId === idOrTitle);
  if (byId) return byId;
  const byTitle = albums.filter((a) => a.title === idOrTitle).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (byTitle[0]) return byTitle[0];
  if (!create) throw new UsageError(`no album with ID or title "${idOrTitle}" (add --create-album to create it)`);
  return host.client.createAlbum(idOrTitle);
}

/** Runs a command body, turning a UsageError into exit 2. */
export async function guard(body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ferry: ${err.message}`);
      code = EXIT.usage;
    } else {
      console.error(`ferry: ${(err as Error).stack ?? String(err)}`);
      code = EXIT.failed;
    }
  }
  process.exit(code);
}
