/**
 * What file intake remembers between runs: the watched folders and the ComfyUI generations that
 * files are being grouped into.
 */
import type { WatchedFolder } from '../../shared/engine-api.ts';
import { Statements } from './statements.ts';

/** Watched folders and ComfyUI generations, over the queue's database. */
export class IntakeStore extends Statements {
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
