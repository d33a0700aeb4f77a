/**
 * The Electron main process: one window on the built renderer (app://ferry), the engine in this
 * process, the embedded backend in a utility process (Sharp never stalls the UI), a tray with
 * progress, taskbar/dock progress, a notification per finished batch, start-at-login and a single
 * instance. Every IPC call is checked (channel, sender frame, origin, zod arguments) before the
 * engine sees it. Bundled by scripts/build.ts into dist/electron/main.mjs.
 */
import {
  app,
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  ipcMain,
  nativeImage,
  net,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  utilityProcess,
} from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineApi, EngineEvent, Settings } from '../../shared/engine-api.ts';
import { engineCallChannel, engineEventChannel } from '../../shared/ipc.ts';
import { dispatchEngineCall } from '../ipc/dispatch.ts';
import { resolveDataDir } from '../config/paths.ts';
import { openEngineHost, type EngineHost } from '../engine/host.ts';
import type { ForkBackend } from '../launcher/launch.ts';
import { appCsp, appHost, isTrustedSender } from './security.ts';
import { loadDesktopSettings, saveDesktopSettings, type DesktopSettings } from './desktop-settings.ts';
import { keepBackendSecret, redactSettings } from '../engine/settings.ts';
import { trayIconDataUrl } from './icon.ts';
import { BatteryPause, DesktopStatus, type DesktopActions } from './desktop-glue.ts';

const here = import.meta.dirname;
const rendererDir = join(here, '..', 'renderer');
const dataDir = resolveDataDir();
const settingsFile = join(dataDir, 'desktop-settings.json');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let win: BrowserWindow | undefined;
// Held here so the tray is not garbage-collected (its icon would vanish); destroyed on quit.
let tray: Tray | undefined;
let status: DesktopStatus | undefined;
let battery: BatteryPause | undefined;
let host: EngineHost | undefined;
// Calls that arrive while the engine is (re)starting wait for it instead of failing: the window
// loads before the embedded backend is up.
let hostReady: Promise<EngineHost> = new Promise(() => {});
let resolveHost: (h: EngineHost) => void = () => {};
const expectHost = () => {
  hostReady = new Promise((resolve) => (resolveHost = resolve));
};
expectHost();
let unsubscribe: (() => void) | undefined;
let desktop: DesktopSettings = { backend: { mode: 'embedded' }, startAtLogin: false };

/**
 * Forks `ferry backend` (the bundled CLI) in a utility process; the launcher waits for its readiness
 * signal like for any other backend it starts.
 */
const forkBackend: ForkBackend = (args, env) => {
  const child = utilityProcess.fork(join(here, 'ferry-cli.mjs'), [...args], { stdio: 'pipe', serviceName: 'Ferry backend', env });
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return {
    pid: () => child.pid,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => void child.kill(),
  };
};

async function startEngine(): Promise<EngineHost> {
  const remote = desktop.backend.mode === 'remote' ? desktop.backend : undefined;
  const opened = await openEngineHost({
    dataDir,
    forkBackend,
    ...(remote ? { apiUrl: remote.apiUrl, token: remote.token } : {}),
  });
  unsubscribe = opened.onEvent(onEngineEvent);
  return opened;
}

function onEngineEvent(event: EngineEvent): void {
  win?.webContents.send(engineEventChannel, event);
  status?.apply(event);
  if (event.type === 'batch-finished' && Notification.isSupported()) {
    const failed = event.failed > 0;
    new Notification({
      title: failed ? 'Ferry: some files failed' : 'Ferry: upload finished',
      body: failed
        ? `${event.uploaded} uploaded, ${event.failed} failed. Open Ferry to retry them.`
        : `${event.uploaded} file${event.uploaded === 1 ? '' : 's'} uploaded, thumbnails ready.`,
    }).show();
  }
}

/** What the tray, the power glue and the test hook ask of the app: the engine as it is now. */
const actions: DesktopActions = {
  openWindow: () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  },
  pauseAll: async () => (host ?? (await hostReady)).api.pauseAll(),
  resumeAll: async () => (host ?? (await hostReady)).api.resumeAll(),
  quit: () => app.quit(),
  notify: (title, body) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  },
};

/** The engine API as the renderer sees it: backend choice and start-at-login are desktop settings. */
function desktopApi(): EngineApi {
  const engine = async (): Promise<EngineApi> => (host ?? (await hostReady)).api;
  // The page never gets a remote token back (redactSettings), and an empty one keeps what is set.
  const merge = (s: Settings): Settings => redactSettings({ ...s, backend: desktop.backend, startAtLogin: desktop.startAtLogin });
  return new Proxy({} as EngineApi, {
    get(_t, name: keyof EngineApi) {
      if (name === 'getSettings') return async () => merge(await (await engine()).getSettings());
      if (name === 'resumeAll') {
        return async () => {
          battery?.userResumed();
          await (await engine()).resumeAll();
        };
      }
      if (name === 'updateSettings') {
        return async (patch: Partial<Settings>) => {
          const { backend, startAtLogin, ...rest } = patch;
          if (startAtLogin !== undefined) {
            app.setLoginItemSettings({ openAtLogin: startAtLogin });
            desktop = { ...desktop, startAtLogin };
          }
          const chosen = backend && keepBackendSecret(backend, desktop.backend);
          const backendChanged = chosen !== undefined && JSON.stringify(chosen) !== JSON.stringify(desktop.backend);
          if (chosen) desktop = { ...desktop, backend: chosen };
          saveDesktopSettings(settingsFile, desktop, safeStorage);
          const api = await engine();
          const saved = Object.keys(rest).length ? await api.updateSettings(rest) : await api.getSettings();
          if (rest.pauseOnBattery !== undefined) await battery?.setEnabled(rest.pauseOnBattery);
          if (backendChanged) {
            // The backend is an engine-host option, so switching it means reopening the host.
            unsubscribe?.();
            const old = host;
            host = undefined;
            expectHost();
            await old?.close();
            host = await startEngine();
            resolveHost(host);
            await startBatteryPause(host);
          }
          return merge(saved);
        };
      }
      return async (...args: unknown[]) => {
        const api = await engine();
        return (api[name] as (...a: unknown[]) => Promise<unknown>).apply(api, args);
      };
    },
  });
}

function serveApp(): void {
  protocol.handle('app', (req) => {
    const url = new URL(req.url);
    if (url.host !== appHost) return new Response('Not found', { status: 404 });
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString()).then((res) => {
      const headers = new Headers(res.headers);
      headers.set('Content-Security-Policy', appCsp);
      headers.set('X-Content-Type-Options', 'nosniff');
      return new Response(res.body, { status: res.status, headers });
    });
  });
}

function lockDown(): void {
  // Nothing in Ferry needs camera, notifications-from-web, geolocation...: deny every permission.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  ipcMain.handle(engineCallChannel, (event, method: unknown, args: unknown) => {
    if (!isTrustedSender(event.sender, event.senderFrame, win?.webContents)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'IPC from an untrusted frame was refused.' } };
    }
    return dispatchEngineCall(api, method, args);
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 760,
    minHeight: 520,
    title: 'Ferry',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => {
    win = undefined;
    status?.setWindow(undefined);
  });
  status?.setWindow(win);
  void win.loadURL('app://ferry/index.html');
}

function createTray(): void {
  const t = new Tray(nativeImage.createFromDataURL(trayIconDataUrl));
  tray = t;
  // Resume from the tray is the user's choice, like the window's Resume all: battery pause steps back.
  const trayActions: DesktopActions = { ...actions, resumeAll: () => (battery?.userResumed(), actions.resumeAll()) };
  status = new DesktopStatus({ setToolTip: (text) => t.setToolTip(text), setMenu: (items) => t.setContextMenu(Menu.buildFromTemplate(items)) }, trayActions, false);
  t.on('click', () => actions.openWindow());
}

/** Pause on battery, from the saved setting; started once the engine is up. */
async function startBatteryPause(opened: EngineHost): Promise<void> {
  const settings = await opened.api.getSettings();
  const s = await opened.api.status();
  status?.apply({ type: 'paused', paused: s.paused });
  let paused = s.paused;
  opened.onEvent((e) => {
    if (e.type === 'paused') paused = e.paused;
  });
  battery?.stop();
  battery = new BatteryPause(powerMonitor, actions, () => paused, settings.pauseOnBattery);
  await battery.start();
}

// The e2e journey's view of the glue (never set outside tests): the tray menu as built, and the
// last taskbar progress, which Playwright cannot read from the OS.
if (process.env.FERRY_E2E_HOOKS === '1') {
  (globalThis as { ferryTestHooks?: unknown }).ferryTestHooks = {
    trayLabels: () => status?.menu.map((m) => (m.type === 'separator' ? '-' : `${m.label}${m.enabled === false ? ' (off)' : ''}`)),
    progress: () => status?.progress,
  };
}

const api = desktopApi();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('window-all-closed', () => {
    // Uploads keep going from the tray; Quit in the tray menu ends them.
  });
  app.on('activate', () => !win && createWindow());
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !host) return;
    event.preventDefault();
    quitting = true;
    battery?.stop();
    tray?.destroy();
    const closing = host;
    host = undefined;
    void closing.close().finally(() => app.quit());
  });

  void app.whenReady().then(async () => {
    desktop = loadDesktopSettings(settingsFile, safeStorage);
    lockDown();
    serveApp();
    createTray();
    createWindow();
    try {
      host = await startEngine();
      resolveHost(host);
      await startBatteryPause(host);
    } catch (err) {
      new Notification({ title: 'Ferry could not start its engine', body: err instanceof Error ? err.message : String(err) }).show();
    }
  });
}
