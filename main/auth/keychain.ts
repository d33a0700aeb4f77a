/**
 * The desktop app's codec for the logins file: Electron's safeStorage encrypts it with a key the OS
 * keychain holds (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux). Typed over the
 * three methods used, so the unit test passes a fake and this file never imports `electron`.
 */
import { plainCodec, type SecretCodec } from './credentials.ts';

/** The part of Electron's `safeStorage` this uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keyring was found and the "encryption" key is a constant */
  getSelectedStorageBackend?(): string;
}

/** A keychain-backed codec, or the plain one when the OS offers no real keychain. */
export function safeStorageCodec(storage: SafeStorageLike): SecretCodec {
  // With basic_text the key is hard-coded in Chromium: calling that a keychain would overstate it.
  if (!storage.isEncryptionAvailable() || storage.getSelectedStorageBackend?.() === 'basic_text') return plainCodec;
  return {
    kind: 'keychain',
    encode: (plain) => storage.encryptString(plain),
    decode: (stored) => storage.decryptString(stored),
  };
}
