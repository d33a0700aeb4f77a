/** Settings persisted as JSON in the data directory (`dataPaths(dataDir).settings`). */
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Settings } from '../../shared/engine-api.ts';

export const defaultSettings: Settings = {
  backend: { mode: 'embedded' },
  concurrency: 16,
  partConcurrency: 4,
  bandwidthLimit: 0,
  bandwidthSchedule: '',
  startAtLogin: false,
  pauseOnBattery: false,
  stripSecrets: false,
  replaceChanged: false,
};

/** Reads settings, filling in defaults for anything missing or unreadable. */
export function loadSettings(file: string): Settings {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Settings>;
    return { ...defaultSettings, ...raw };
  } catch {
    return { ...defaultSettings };
  }
}

/**
 * Writes JSON atomically (temp file + rename), so a crash never leaves half a file; owner-only,
 * because settings files can hold a backend's token.
 */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * A remote backend's token can be in these settings: the desktop app keeps its copy in safeStorage
 * instead, but `ferry serve` has no keychain to use.
 */
export function saveSettings(file: string, settings: Settings): void {
  writeJsonAtomic(file, settings);
}

/** Settings as the UI may see them: a remote backend's token never goes back to a page (serve mode's included). */
export function redactSettings(settings: Settings): Settings {
  const b = settings.backend;
  return b.mode === 'remote' ? { ...settings, backend: { mode: 'remote', apiUrl: b.apiUrl, token: '', tokenSet: b.token !== '' } } : settings;
}

/** A backend choice from the UI: an empty token means "keep the one set", for the same API URL only. */
export function keepBackendSecret(next: Settings['backend'], current: Settings['backend']): Settings['backend'] {
  if (next.mode !== 'remote') return next;
  const { tokenSet: _shown, ...chosen } = next;
  if (chosen.token === '' && current.mode === 'remote' && current.apiUrl === chosen.apiUrl) return { ...chosen, token: current.token };
  return chosen;
}

/** Parses a rate like `5M`, `500K`, `1.5MB/s` or plain bytes per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?(?:\/s)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a rate: ${text} (try 5M or 500K)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}
