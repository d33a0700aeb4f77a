/**
 * The desktop app's own settings: which backend (with its token encrypted by the OS keychain via
 * Electron's safeStorage) and start-at-login. The engine gets the backend as `openEngineHost`
 * options, so the token never lands in the engine's plain settings file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeJsonAtomic } from '../host/settings.ts';

/** The parts of Electron's safeStorage this module uses; tests pass a fake. */
export interface Crypt {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const fileSchema = z.object({
  backend: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('embedded') }),
      z.object({ mode: z.literal('remote'), apiUrl: z.string(), tokenEncrypted: z.string().optional() }),
    ])
    .default({ mode: 'embedded' }),
  startAtLogin: z.boolean().default(false),
});

export type DesktopBackend = { mode: 'embedded' } | { mode: 'remote'; apiUrl: string; token: string };
export interface DesktopSettings {
  backend: DesktopBackend;
  startAtLogin: boolean;
}

/** Reads the file; a missing or broken one means defaults (and is rewritten on the next save). */
export function loadDesktopSettings(file: string, crypt: Crypt): DesktopSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = {};
  }
  const parsed = fileSchema.safeParse(raw);
  const data = parsed.success ? parsed.data : fileSchema.parse({});
  if (data.backend.mode === 'embedded') return { backend: { mode: 'embedded' }, startAtLogin: data.startAtLogin };
  let token = '';
  if (data.backend.tokenEncrypted && crypt.isEncryptionAvailable()) {
    try {
      token = crypt.decryptString(Buffer.from(data.backend.tokenEncrypted, 'base64'));
    } catch {
      // Another OS user or a reset keychain: the token is unreadable; the user enters it again.
      token = '';
    }
  }
  return { backend: { mode: 'remote', apiUrl: data.backend.apiUrl, token }, startAtLogin: data.startAtLogin };
}

/** Writes atomically; refuses to store a token in the clear when the OS offers no encryption. */
export function saveDesktopSettings(file: string, settings: DesktopSettings, crypt: Crypt): void {
  const backend =
    settings.backend.mode === 'embedded'
      ? { mode: 'embedded' as const }
      : {
          mode: 'remote' as const,
          apiUrl: settings.backend.apiUrl,
          ...(settings.backend.token
            ? crypt.isEncryptionAvailable()
              ? { tokenEncrypted: crypt.encryptString(settings.backend.token).toString('base64') }
              : (() => {
                  throw new Error('This system offers no keychain to encrypt the API token; set FERRY_TOKEN in the environment instead.');
                })()
            : {}),
        };
  writeJsonAtomic(file, { backend, startAtLogin: settings.startAtLogin });
}
