/**
 * E2E harness: Debian's Chromium through playwright-core (playwright cannot download a browser
 * here), and the real `ferry serve` command as a child process, pointed at a backend the test runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.FERRY_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const hasChromium = existsSync(chromiumPath);
export const skipChromiumReason = `skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set FERRY_CHROMIUM)`;
export const screenshotDir = join('test-results', 'screenshots');

/** Launches headless Chromium with the flags a container without a GPU or network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Saves a full-window screenshot as test-results/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/**
 * Waits until the album view shows exactly `count` thumbnails, each one decoded: an <img> whose image
 * has not arrived (or failed to) is in the DOM all the same, so counting elements would pass too early.
 */
export async function waitForThumbnails(page: Page, count: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('.media img')];
      return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    count,
    { timeout: timeoutMs },
  );
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Runs `node bin/ferry.js serve` and resolves with the URL it prints (token included). */
export async function startFerryServe(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/ferry.js', 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry serve printed no URL within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry serve exited (${code}) before printing its URL:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
