/** The desktop app's logins: the shared file store, encrypted with the OS keychain's key when there is one. */
import { safeStorage } from 'electron';
import { fileCredentialStore, type CredentialStore } from '../auth/credentials.ts';
import { safeStorageCodec } from '../auth/keychain.ts';

/** Must be called after app `ready` (safeStorage is unavailable before it). */
export function desktopCredentialStore(dataDir: string): CredentialStore {
  return fileCredentialStore(dataDir, safeStorageCodec(safeStorage));
}
