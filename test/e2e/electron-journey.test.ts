/**
 * The same journey in the desktop app, through Playwright's `_electron`: the built app starts its
 * own embedded backend in a utility process, the window loads app://ferry, and the user adds a
 * folder, watches it upload, sees thumbnails, retries a failure, pauses and resumes. It also checks
 * the security settings from inside the window. Runs wherever an Electron binary and a display
 * exist; reports itself skipped elsewhere (npm installs here use ELECTRON_SKIP_BINARY_DOWNLOAD).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { findElectron, hasDisplay } from '../../main/cli/start.ts';
import { makeJpeg } from '../helpers/backend.ts';
import { shot, waitForThumbnails } from './harness.ts';

const electron = findElectron();
const display = hasDisplay();
const skipReason = !('path' in electron) ? electron.missing : !display ? 'no display (run under xvfb-run)' : '';
const wait = 90_000;

describe.skipIf(skipReason !== '')(`desktop app (Electron)${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let root: string;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync('dist/electron/main.mjs')) throw new Error('dist/electron is missing: run `npm run build` first.');
    root = await mkdtemp(join(tmpdir(), 'ferry-electron-'));
    await mkdir(join(root, 'photos'));
    for (let i = 1; i <= 3; i++) await writeFile(join(root, 'photos', `p${i}.jpg`), await makeJpeg(640, 480 + i));
    app = await _electron.launch({
      executablePath: (electron as { path: string }).path,
      args: [resolve('.'), '--no-sandbox'],
      env: { ...process.env, FERRY_DATA_DIR: join(root, 'data'), FERRY_E2E_HOOKS: '1' },
    });
    page = await app.firstWindow();
    await page.getByText('Nothing queued yet').waitFor({ timeout: wait });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('loads from app:// with isolation, sandbox and no Node in the page', async () => {
    expect(page.url()).toMatch(/^app:\/\/ferry\//);
    const probe = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as { ferry?: object }).ferry ?? {}).sort(),
    }));
    expect(probe).toEqual({ require: 'undefined', process: 'undefined', bridge: ['call', 'onEvent', 'pathForFile', 'platform'] });
    // One window, and a second launch would only focus it (single instance).
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    expect(await app.evaluate(({ app: a }) => a.hasSingleInstanceLock())).toBe(true);
    // Navigation away is blocked.
    await page.evaluate(() => (location.href = 'https://example.com/'));
    expect(page.url()).toMatch(/^app:\/\/ferry\//);
  });

  it('uploads a folder, shows thumbnails, retries a failure, pauses and resumes', async () => {
    await page.getByLabel('Target album').selectOption('__new__');
    await page.getByLabel('New album title').fill('Desktop');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByLabel('Add folder by path').fill(join(root, 'photos'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('.qrow[data-state="uploaded"]').length === 3, null, { timeout: wait });
    await shot(page, 'electron-queue');

    await mkdir(join(root, 'bad'));
    await writeFile(join(root, 'bad', 'broken.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 1)]));
    await page.getByLabel('Add folder by path').fill(join(root, 'bad'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForSelector('.qrow[data-path$="/broken.jpg"][data-state="failed"]', { timeout: wait });
    await writeFile(join(root, 'bad', 'broken.jpg'), await makeJpeg(200, 200));
    await page.getByRole('button', { name: 'Retry broken.jpg' }).click();
    await page.waitForSelector('.qrow[data-path$="/broken.jpg"][data-state="uploaded"]', { timeout: wait });

    await page.getByRole('button', { name: 'Pause all' }).click();
    await page.getByTestId('paused-banner').waitFor({ timeout: wait });
    await page.getByRole('button', { name: 'Resume all' }).click();
    await page.getByTestId('paused-banner').waitFor({ state: 'detached', timeout: wait });

    await page.getByRole('button', { name: 'Albums' }).click();
    await page.locator('.album-card', { hasText: 'Desktop' }).click();
    await waitForThumbnails(page, 4, wait);
    await shot(page, 'electron-album');
  }, 240_000);

  it('tray menu and taskbar progress follow the queue; pause on battery pauses and resumes', async () => {
    type Hooks = { trayLabels(): string[]; progress(): number | undefined };
    const hooks = () => app.evaluate(() => {
      const h = (globalThis as { ferryTestHooks?: Hooks }).ferryTestHooks!;
      return { labels: h.trayLabels(), progress: h.progress() };
    });
    // The journey above finished every file: no bar on the icon, Pause all offered.
    expect(await hooks()).toEqual({ labels: ['Open Ferry', '-', 'Pause all', 'Resume (off)', '-', 'Quit Ferry'], progress: -1 });

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel(/Pause uploads while on battery power/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor({ timeout: wait });
    // powerMonitor is an EventEmitter: emitting its event is what the OS does when the plug is pulled.
    await app.evaluate(({ powerMonitor }) => powerMonitor.emit('on-battery'));
    await page.getByTestId('paused-banner').waitFor({ timeout: wait });
    await expect.poll(async () => (await hooks()).labels).toEqual(['Open Ferry', '-', 'Pause all (off)', 'Resume', '-', 'Quit Ferry']);
    await shot(page, 'electron-paused-on-battery');
    await app.evaluate(({ powerMonitor }) => powerMonitor.emit('on-ac'));
    await page.getByTestId('paused-banner').waitFor({ state: 'detached', timeout: wait });
  }, 120_000);
});
