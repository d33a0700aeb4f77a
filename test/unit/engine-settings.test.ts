import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, loadSettings, saveSettings } from '../../main/host/settings.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('settings.json', () => {
  it.skipIf(process.platform === 'win32')('is readable by its owner only, even when it existed with wider rights', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-settings-'));
    dirs.push(dir);
    const file = join(dir, 'settings.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o644);
    saveSettings(file, { ...defaultSettings, backend: { mode: 'remote', apiUrl: 'https://api.example', token: 'secret' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSettings(file).backend).toEqual({ mode: 'remote', apiUrl: 'https://api.example', token: 'secret' });
  });

  it('falls back to the defaults for a missing or unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-settings-'));
    dirs.push(dir);
    expect(loadSettings(join(dir, 'none.json'))).toEqual(defaultSettings);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(loadSettings(join(dir, 'bad.json'))).toEqual(defaultSettings);
  });
});
