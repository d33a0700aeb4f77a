/**
 * The desktop settings file: the remote token is stored only encrypted (a fake safeStorage that
 * really transforms the bytes stands in for Electron's), survives a reload, and is never in the clear.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesktopSettings, saveDesktopSettings, type Crypt } from '../../main/electron/desktop-settings.ts';

const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
const keychain: Crypt = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => xor(Buffer.from(`v10${s}`)),
  decryptString: (b) => xor(b).toString().replace(/^v10/, ''),
};
const noKeychain: Crypt = { ...keychain, isEncryptionAvailable: () => false };

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const file = () => {
  const d = mkdtempSync(join(tmpdir(), 'ferry-desktop-'));
  dirs.push(d);
  return join(d, 'desktop-settings.json');
};

describe('desktop settings', () => {
  it('defaults to the embedded backend when the file is missing or broken', () => {
    const f = file();
    expect(loadDesktopSettings(f, keychain)).toEqual({ backend: { mode: 'embedded' }, startAtLogin: false });
    writeFileSync(f, '{not json');
    expect(loadDesktopSettings(f, keychain)).toEqual({ backend: { mode: 'embedded' }, startAtLogin: false });
  });

  it('stores the remote token encrypted and reads it back', () => {
    const f = file();
    const settings = { backend: { mode: 'remote' as const, apiUrl: 'https://api.example.test', token: 'tok-SECRET-123' }, startAtLogin: true };
    saveDesktopSettings(f, settings, keychain);
    expect(readFileSync(f, 'utf8')).not.toContain('tok-SECRET-123');
    expect(loadDesktopSettings(f, keychain)).toEqual(settings);
  });

  it('refuses to write a token in the clear when there is no keychain', () => {
    const f = file();
    expect(() => saveDesktopSettings(f, { backend: { mode: 'remote', apiUrl: 'https://x.test', token: 't' }, startAtLogin: false }, noKeychain)).toThrow(/FERRY_TOKEN/);
  });

  it('drops an undecryptable token instead of failing to start', () => {
    const f = file();
    saveDesktopSettings(f, { backend: { mode: 'remote', apiUrl: 'https://x.test', token: 't' }, startAtLogin: false }, keychain);
    const broken: Crypt = { ...keychain, decryptString: () => { throw new Error('keychain reset'); } };
    expect(loadDesktopSettings(f, broken).backend).toEqual({ mode: 'remote', apiUrl: 'https://x.test', token: '' });
  });
});
