/**
 * The user's journey in real Chromium against the real `ferry serve` command, on a real embedded
 * backend (s3rver + dynalite + Sharp on 127.0.0.1): add a folder and watch it upload with progress,
 * see its thumbnails; a file that fails and is retried; pause and resume; the backend going away
 * and coming back; a watched folder. Every wait is on the page's DOM (which the engine's events
 * drive), never a sleep. Screenshots of each main view go to test-results/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { startTestBackend, makeJpeg, type TestBackend } from '../helpers/backend.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { ensureRendererBuilt } from '../../main/serve/renderer-dir.ts';
import { hasChromium, launchChromium, shot, skipChromiumReason, startFerryServe, waitForThumbnails, type ServeProcess } from './harness.ts';

const wait = 60_000;

/** Random pixels: JPEG cannot compress them, so 2000 px square makes a ~5 MB upload that takes seconds at 1 MB/s. */
async function noisyJpeg(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 98 }).toBuffer();
}

describe.skipIf(!hasChromium)(`ferry serve in Chromium${hasChromium ? '' : ` (${skipChromiumReason})`}`, () => {
  let root: string;
  let backend: TestBackend;
  let backendPort: number;
  // Presigned URLs point at this proxy in front of s3rver, so a test can hold an upload mid-flight.
  let proxy: FaultProxy;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const albumTitle = 'E2E trip';

  const rowState = (file: string) => page.locator(`.qrow[data-path$="/${file}"]`).getAttribute('data-state');
  const waitRow = (file: string, state: string) => page.waitForSelector(`.qrow[data-path$="/${file}"][data-state="${state}"]`, { timeout: wait });
  /** Adds a folder in place through the browser's folder picker (the engine lists the disk for it). */
  const pickFolder = async (path: string) => {
    await page.getByRole('button', { name: 'Choose a folder…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a folder on this computer' });
    await dialog.getByLabel('Folder location').fill(path);
    await dialog.getByRole('button', { name: 'Go' }).click();
    await page.locator(`[role="dialog"][data-path="${path}"]`).waitFor({ timeout: wait });
    await dialog.getByRole('button', { name: 'Add this folder' }).click();
  };
  const addPath = async (path: string) => {
    await page.getByRole('button', { name: 'Queue' }).click();
    const picker = page.getByLabel('Target album');
    await picker.selectOption((await picker.locator('option', { hasText: albumTitle }).getAttribute('value')) ?? '');
    await pickFolder(path);
  };

  /** The backend reports the proxy as its S3 address, so s3rver's own port is found by probing. */
  const startBackend = async (port?: number) => {
    backend = await startTestBackend({ dataDir: join(root, 'backend'), s3PublicUrl: proxy.url, ...(port ? { port } : {}) });
    proxy.setTarget(backend.s3Listen);
  };

  beforeAll(async () => {
    await ensureRendererBuilt();
    root = await mkdtemp(join(tmpdir(), 'ferry-e2e-'));
    proxy = await startFaultProxy();
    await startBackend();
    backendPort = Number(new URL(backend.api).port);
    await mkdir(join(root, 'photos'));
    for (let i = 1; i <= 4; i++) await writeFile(join(root, 'photos', `small-${i}.jpg`), await makeJpeg(640 + i * 10, 480));
    await writeFile(join(root, 'photos', 'big.jpg'), await noisyJpeg(2000));
    serve = await startFerryServe(['--api', backend.api, '--token', backend.token, '--data-dir', join(root, 'client')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(serve.url);
    await page.getByText('Nothing queued yet').waitFor({ timeout: wait });
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await shot(page, `failed-${ctx.task.name.replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    if (serve) await writeFile(join('test-results', 'e2e-serve.log'), serve.output());
    await backend?.destroy();
    await proxy?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a browser that has no token', async () => {
    const fresh = await browser.newContext();
    const bare = await fresh.request.get(`${new URL(serve.url).origin}/`);
    expect(bare.status()).toBe(401);
    await fresh.close();
  });

  it('takes the token out of the address bar, and a reload still works on the cookie', async () => {
    expect(page.url()).not.toContain('token=');
    await page.reload();
    await page.getByText('Nothing queued yet').waitFor({ timeout: wait });
    expect(page.url()).not.toContain('token=');
  });

  it('sets a bandwidth limit in Settings', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Bandwidth limit (MB/s, 0 for none)').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').first().waitFor({ timeout: wait });
    await shot(page, 'settings');
  });

  it('uploads an added folder with live progress, then shows its thumbnails', async () => {
    await page.getByRole('button', { name: 'Queue' }).click();
    await page.getByLabel('Target album').selectOption('__new__');
    await page.getByLabel('New album title').fill(albumTitle);
    await page.getByRole('button', { name: 'Create' }).click();
    await pickFolder(join(root, 'photos'));

    // Honest progress: the big file's bar is part-way, with bytes and speed, while it uploads.
    await page.waitForFunction(
      () => {
        const row = document.querySelector('.qrow[data-path$="/big.jpg"][data-state="uploading"]');
        const now = Number(row?.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow'));
        return row && now > 0 && now < 100 && /MB\/s|KB\/s/.test(row.textContent ?? '');
      },
      null,
      { timeout: wait, polling: 50 },
    );
    await shot(page, 'queue-uploading');
    await page.waitForFunction(() => document.querySelectorAll('.qrow[data-state="uploaded"]').length === 5, null, { timeout: wait });
    await shot(page, 'queue-done');

    await page.getByRole('button', { name: 'Albums' }).click();
    await page.locator('.album-card', { hasText: albumTitle }).waitFor({ timeout: wait });
    await shot(page, 'albums');
    await page.locator('.album-card', { hasText: albumTitle }).click();
    await waitForThumbnails(page, 5, wait);
    await shot(page, 'album-thumbnails');
  }, 120_000);

  it('shows a failed file with what to do, and retries it', async () => {
    await mkdir(join(root, 'bad'));
    // JPEG magic bytes, then nothing decodable: the backend's Sharp step fails it.
    await writeFile(join(root, 'bad', 'broken.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 7)]));
    await addPath(join(root, 'bad'));
    await waitRow('broken.jpg', 'failed');
    const row = page.locator('.qrow[data-path$="/broken.jpg"]');
    await expect(row.locator('.qerror').textContent()).resolves.toMatch(/Retry|Cancel/);
    await shot(page, 'queue-failed');
    await writeFile(join(root, 'bad', 'broken.jpg'), await makeJpeg(320, 240));
    await row.getByRole('button', { name: 'Retry broken.jpg' }).click();
    await waitRow('broken.jpg', 'uploaded');
  }, 120_000);

  it('pauses and resumes everything', async () => {
    // Unlimited again, and the upload held at the proxy instead, so Pause lands mid-flight for sure.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Bandwidth limit (MB/s, 0 for none)').fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').first().waitFor({ timeout: wait });
    proxy.setRule(({ key }) => (key.includes('/media/') ? { kind: 'stall' } : undefined));
    await mkdir(join(root, 'more'));
    await writeFile(join(root, 'more', 'big-2.jpg'), await noisyJpeg(600));
    await addPath(join(root, 'more'));
    await waitRow('big-2.jpg', 'uploading');
    await page.getByRole('button', { name: 'Pause all' }).click();
    await page.getByTestId('paused-banner').waitFor({ timeout: wait });
    await page.waitForFunction(() => document.querySelectorAll('.qrow[data-state="uploading"]').length === 0, null, { timeout: wait });
    expect(await rowState('big-2.jpg')).not.toBe('uploaded');
    await shot(page, 'queue-paused');
    proxy.setRule(undefined);
    await page.getByRole('button', { name: 'Resume all' }).click();
    await waitRow('big-2.jpg', 'uploaded');
    expect(await page.getByTestId('paused-banner').count()).toBe(0);
  }, 120_000);

  it('holds uploads while the backend is down and finishes them when it is back', async () => {
    await backend.stop();
    await mkdir(join(root, 'late'));
    await writeFile(join(root, 'late', 'late.jpg'), await makeJpeg(500, 400));
    await addPath(join(root, 'late'));
    await page.getByTestId('offline-banner').waitFor({ timeout: wait });
    expect(await rowState('late.jpg')).not.toBe('failed');
    await shot(page, 'offline');
    await startBackend(backendPort);
    await waitRow('late.jpg', 'uploaded');
    await page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: wait });
  }, 120_000);

  it('watches a folder and uploads what appears in it', async () => {
    await mkdir(join(root, 'watched'));
    await page.getByRole('button', { name: 'Watched folders' }).click();
    await page.getByLabel('Folder').fill(join(root, 'watched'));
    const picker = page.getByLabel('Album', { exact: true });
    await picker.selectOption((await picker.locator('option', { hasText: albumTitle }).getAttribute('value')) ?? '');
    await page.getByRole('button', { name: 'Watch folder' }).click();
    await page.locator('.watch', { hasText: join(root, 'watched') }).waitFor({ timeout: wait });
    await writeFile(join(root, 'watched', 'appeared.jpg'), await makeJpeg(400, 300));
    await page.locator('.watch', { hasText: 'queued' }).waitFor({ timeout: wait });
    await shot(page, 'watched-folders');
    await page.getByRole('button', { name: 'Queue' }).click();
    await waitRow('appeared.jpg', 'uploaded');
  }, 120_000);
});
