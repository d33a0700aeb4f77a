/**
 * Where a login outlives the process: one record per API URL (its issuer, client, endpoints and
 * refresh token) in `{dataDir}/auth/logins.json`, mode 0600 in a 0700 folder. The desktop app wraps
 * the same file in the OS keychain's key (Electron safeStorage) through a `SecretCodec`; the CLI,
 * which has no keychain binding, keeps the file plain, as the AWS CLI and gh do without a keychain.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const storedLogin = z.object({
  apiUrl: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  tokenEndpoint: z.string(),
  revocationEndpoint: z.string().optional(),
  refreshToken: z.string(),
  savedAt: z.string(),
});
/** One saved login. Access tokens are never written: they are minted again from the refresh token. */
export type StoredLogin = z.infer<typeof storedLogin>;

/** Reads, writes and forgets logins by API URL. */
export interface CredentialStore {
  readonly kind: 'file' | 'keychain';
  load(apiUrl: string): Promise<StoredLogin | undefined>;
  save(login: StoredLogin): Promise<void>;
  remove(apiUrl: string): Promise<void>;
}

/** Turns the file's bytes into text and back: identity for the CLI, safeStorage in Electron. */
export interface SecretCodec {
  kind: 'file' | 'keychain';
  encode(plain: string): Buffer;
  decode(stored: Buffer): string;
}

export const plainCodec: SecretCodec = {
  kind: 'file',
  encode: (plain) => Buffer.from(plain, 'utf8'),
  decode: (stored) => stored.toString('utf8'),
};

/** The same API with or without a trailing slash is one login. */
export function apiKey(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, '');
}

/** Where the logins file lives in a data directory; the keychain-encrypted one has its own name, so the CLI never misreads it. */
export function loginsFile(dataDir: string, kind: SecretCodec['kind'] = 'file'): string {
  return join(dataDir, 'auth', kind === 'keychain' ? 'logins.keychain' : 'logins.json');
}

/** The credential store over `{dataDir}/auth/logins.json`. */
export function fileCredentialStore(dataDir: string, codec: SecretCodec = plainCodec): CredentialStore {
  const file = loginsFile(dataDir, codec.kind);
  const readAll = async (): Promise<Record<string, StoredLogin>> => {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    // A file this version (or this keychain) cannot read is treated as no login: `ferry login` writes a good one.
    let json: unknown;
    try {
      json = JSON.parse(codec.decode(raw));
    } catch {
      return {};
    }
    const parsed = z.record(z.string(), storedLogin).safeParse(json);
    return parsed.success ? parsed.data : {};
  };
  const writeAll = async (all: Record<string, StoredLogin>): Promise<void> => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await chmod(dirname(file), 0o700);
    // Write then rename, so a crash never leaves half a file and the login with it.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, codec.encode(JSON.stringify(all)), { mode: 0o600 });
    await rename(tmp, file);
  };
  return {
    kind: codec.kind,
    load: async (apiUrl) => (await readAll())[apiKey(apiUrl)],
    save: async (login) => {
      const all = await readAll();
      all[apiKey(login.apiUrl)] = { ...login, apiUrl: apiKey(login.apiUrl) };
      await writeAll(all);
    },
    remove: async (apiUrl) => {
      const all = await readAll();
      if (!(apiKey(apiUrl) in all)) return;
      delete all[apiKey(apiUrl)];
      if (Object.keys(all).length === 0) await rm(file, { force: true });
      else await writeAll(all);
    },
  };
}
