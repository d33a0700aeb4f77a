/**
 * The desktop glue over fakes that implement the slices of Electron it uses: taskbar/dock progress
 * through processing, the tray's tooltip and menu, and pause on battery (issue 14 point 8).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BatteryPause, DesktopStatus, trayMenu, trayTooltip, type DesktopActions, type PowerSource, type TrayMenuItem } from '../../main/electron/desktop-glue.ts';
import { fileStates, type FileState, type QueueTotals } from '../../shared/engine-api.ts';
import { overallProgress } from '../../shared/progress.ts';

const MB = 1_000_000;
function totals(by: Partial<Record<FileState, number>>, bytesSent: number, bytesTotal: number): QueueTotals {
  const byState = Object.fromEntries(fileStates.map((s) => [s, by[s] ?? 0])) as Record<FileState, number>;
  return { files: Object.values(byState).reduce((a, b) => a + b, 0), byState, bytesSent, bytesTotal, rate: 0, etaSeconds: null };
}

class FakeTray {
  tooltip = '';
  menu: TrayMenuItem[] = [];
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setMenu(items: TrayMenuItem[]) {
    this.menu = items;
  }
  labels() {
    return this.menu.map((m) => (m.type === 'separator' ? '-' : `${m.label}${m.enabled === false ? ' (off)' : ''}`));
  }
  click(label: string) {
    this.menu.find((m) => m.label === label)?.click?.();
  }
}

class FakeWindow {
  calls: [number, string | undefined][] = [];
  setProgressBar(p: number, o?: { mode: string }) {
    this.calls.push([p, o?.mode]);
  }
}

class FakePower extends EventEmitter implements PowerSource {
  battery = false;
  isOnBatteryPower() {
    return this.battery;
  }
  override on(event: 'on-battery' | 'on-ac', l: () => void) {
    return super.on(event, l);
  }
  switchTo(battery: boolean) {
    this.battery = battery;
    this.emit(battery ? 'on-battery' : 'on-ac');
  }
}

function fakeApp() {
  const log: string[] = [];
  let paused = false;
  const actions: DesktopActions = {
    openWindow: () => log.push('open'),
    pauseAll: async () => {
      paused = true;
      log.push('pauseAll');
    },
    resumeAll: async () => {
      paused = false;
      log.push('resumeAll');
    },
    quit: () => log.push('quit'),
    notify: (title) => log.push(`notify: ${title}`),
  };
  return { log, actions, isPaused: () => paused, setPaused: (p: boolean) => (paused = p) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('overall progress (taskbar, tray)', () => {
  it('bytes fill half, settled files the other half: not 100 % while thumbnails are being made', () => {
    expect(overallProgress(totals({ processing: 44 }, 200 * MB, 200 * MB))).toBe(0.5);
    expect(overallProgress(totals({ uploaded: 22, processing: 22 }, 200 * MB, 200 * MB))).toBe(0.75);
    expect(overallProgress(totals({ uploaded: 43, failed: 1 }, 200 * MB, 200 * MB))).toBe(1);
    expect(overallProgress(totals({ uploaded: 9_999, processing: 1 }, MB, MB))).toBe(0.999);
    expect(overallProgress(totals({ skipped: 3 }, 0, 0))).toBe(1);
  });
});

describe('DesktopStatus', () => {
  it('shows progress on the icon through processing, and removes it when the queue is done', () => {
    const tray = new FakeTray();
    const win = new FakeWindow();
    const status = new DesktopStatus(tray, fakeApp().actions, false);
    status.setWindow(win);
    status.apply({ type: 'totals', totals: totals({ uploading: 4, queued: 40 }, 20 * MB, 200 * MB) });
    status.apply({ type: 'totals', totals: totals({ uploaded: 10, processing: 34 }, 200 * MB, 200 * MB) });
    expect(tray.tooltip).toBe('Ferry: 61%, 34 to go, 34 making thumbnails');
    status.apply({ type: 'totals', totals: totals({ uploaded: 43, failed: 1 }, 200 * MB, 200 * MB) });
    expect(win.calls.map(([p, m]) => [Math.round(p * 1000) / 1000, m])).toEqual([
      [0.05, 'normal'],
      [0.614, 'normal'],
      [-1, 'none'],
    ]);
    expect(tray.tooltip).toBe('Ferry: 43 uploaded, 1 failed');
  });

  it('the tray menu opens the window, pauses and resumes, with the one that applies enabled', async () => {
    const tray = new FakeTray();
    const app = fakeApp();
    const status = new DesktopStatus(tray, app.actions, false);
    expect(tray.labels()).toEqual(['Open Ferry', '-', 'Pause all', 'Resume (off)', '-', 'Quit Ferry']);
    tray.click('Pause all');
    await flush();
    status.apply({ type: 'paused', paused: true });
    expect(tray.labels()).toEqual(['Open Ferry', '-', 'Pause all (off)', 'Resume', '-', 'Quit Ferry']);
    tray.click('Resume');
    tray.click('Open Ferry');
    tray.click('Quit Ferry');
    await flush();
    expect(app.log).toEqual(['pauseAll', 'resumeAll', 'open', 'quit']);
  });

  it('a paused queue shows as paused on the icon and in the tooltip', () => {
    const tray = new FakeTray();
    const win = new FakeWindow();
    const status = new DesktopStatus(tray, fakeApp().actions, true);
    status.setWindow(win);
    status.apply({ type: 'totals', totals: totals({ queued: 4 }, 0, 8 * MB) });
    expect(win.calls.at(-1)).toEqual([0, 'paused']);
    expect(tray.tooltip).toBe('Ferry: 0%, 4 to go (paused)');
    expect(trayTooltip(totals({}, 0, 0), false)).toBe('Ferry: 0 uploaded');
    expect(trayMenu(false, fakeApp().actions).filter((m) => m.label).length).toBe(4);
  });
});

describe('BatteryPause', () => {
  it('pauses on battery and resumes on mains power, when asked to', async () => {
    const power = new FakePower();
    const app = fakeApp();
    const battery = new BatteryPause(power, app.actions, app.isPaused, true);
    await battery.start();
    power.switchTo(true);
    await flush();
    expect(app.isPaused()).toBe(true);
    power.switchTo(false);
    await flush();
    expect(app.isPaused()).toBe(false);
    expect(app.log).toEqual(['pauseAll', 'notify: Ferry paused uploads', 'resumeAll', 'notify: Ferry resumed uploads']);
    battery.stop();
    power.switchTo(true);
    await flush();
    expect(app.isPaused()).toBe(false);
  });

  it('does nothing when the setting is off, and acts when it is turned on while on battery', async () => {
    const power = new FakePower();
    const app = fakeApp();
    const battery = new BatteryPause(power, app.actions, app.isPaused, false);
    await battery.start();
    power.switchTo(true);
    await flush();
    expect(app.log).toEqual([]);
    await battery.setEnabled(true);
    expect(app.isPaused()).toBe(true);
    await battery.setEnabled(false);
    expect(app.isPaused()).toBe(false);
  });

  it('starts paused when launched on battery', async () => {
    const power = new FakePower();
    power.battery = true;
    const app = fakeApp();
    await new BatteryPause(power, app.actions, app.isPaused, true).start();
    expect(app.isPaused()).toBe(true);
  });

  it('never lifts a pause the user made, nor overrules a user who resumed on battery', async () => {
    const power = new FakePower();
    const app = fakeApp();
    const battery = new BatteryPause(power, app.actions, app.isPaused, true);
    await battery.start();
    app.setPaused(true); // the user pressed Pause all, then unplugged
    power.switchTo(true);
    power.switchTo(false);
    await flush();
    expect(app.isPaused()).toBe(true);
    expect(app.log).toEqual([]);

    app.setPaused(false);
    power.switchTo(true);
    await flush();
    expect(app.isPaused()).toBe(true);
    app.setPaused(false); // the user resumed on battery
    battery.userResumed();
    power.switchTo(false);
    await flush();
    expect(app.log.filter((l) => l === 'resumeAll')).toEqual([]);
  });
});
