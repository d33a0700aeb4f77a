/**
 * The desktop app's system integration, thin and typed over the few Electron calls it makes, so it
 * is unit-tested over fakes (test/unit/electron-glue.test.ts) and main.ts only wires real objects in:
 * - progress on the taskbar/dock icon (`BrowserWindow.setProgressBar`) and in the tray's tooltip,
 *   thumbnails included (shared/progress.ts);
 * - the tray menu: Open Ferry, Pause all, Resume, Quit, with Pause/Resume following the state;
 * - pause on battery (`powerMonitor` on-battery / on-ac) when the user asks for it in Settings.
 * No `electron` import here: the types below are the slices of Electron's that this code uses.
 */
import type { EngineEvent, QueueTotals } from '../../shared/engine-api.ts';
import { filesInProgress, overallProgress } from '../../shared/progress.ts';

/** The slice of `BrowserWindow` used for the taskbar/dock progress. */
export interface ProgressTarget {
  setProgressBar(progress: number, options?: { mode: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused' }): void;
}

/** A menu item as `Menu.buildFromTemplate` takes it (the fields used here). */
export interface TrayMenuItem {
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

/** The slice of `Tray` used here; `setMenu` wraps `tray.setContextMenu(Menu.buildFromTemplate(items))`. */
export interface TrayTarget {
  setToolTip(text: string): void;
  setMenu(items: TrayMenuItem[]): void;
}

/** The slice of `powerMonitor` used here. */
export interface PowerSource {
  on(event: 'on-battery' | 'on-ac', listener: () => void): unknown;
  removeListener(event: 'on-battery' | 'on-ac', listener: () => void): unknown;
  isOnBatteryPower(): boolean;
}

/** What the glue asks of the app. */
export interface DesktopActions {
  openWindow(): void;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
  quit(): void;
  /** a short system notification (the reason uploads stopped or started again) */
  notify(title: string, body: string): void;
}

/** The tray tooltip: where the queue is, in a few words. */
export function trayTooltip(t: QueueTotals, paused: boolean): string {
  const left = filesInProgress(t);
  if (left === 0) return t.byState.failed > 0 ? `Ferry: ${t.byState.uploaded} uploaded, ${t.byState.failed} failed` : `Ferry: ${t.byState.uploaded} uploaded`;
  const pct = Math.floor(overallProgress(t) * 100);
  const making = t.byState.processing > 0 ? `, ${t.byState.processing} making thumbnails` : '';
  return `Ferry: ${pct}%, ${left} to go${making}${paused ? ' (paused)' : ''}`;
}

/** The tray menu for the current state. */
export function trayMenu(paused: boolean, a: Pick<DesktopActions, 'openWindow' | 'pauseAll' | 'resumeAll' | 'quit'>): TrayMenuItem[] {
  return [
    { label: 'Open Ferry', click: () => a.openWindow() },
    { type: 'separator' },
    { label: 'Pause all', enabled: !paused, click: () => void a.pauseAll() },
    { label: 'Resume', enabled: paused, click: () => void a.resumeAll() },
    { type: 'separator' },
    { label: 'Quit Ferry', click: () => a.quit() },
  ];
}

/** Follows engine events onto the taskbar/dock icon, the tray tooltip and the tray menu. */
export class DesktopStatus {
  private paused: boolean;
  private totals: QueueTotals | undefined;
  /** the menu and the icon's progress as last set (for the e2e hook; the OS does not report them) */
  menu: TrayMenuItem[] = [];
  progress: number | undefined;
  private readonly tray: TrayTarget;
  private readonly actions: DesktopActions;
  private window: ProgressTarget | undefined;

  constructor(tray: TrayTarget, actions: DesktopActions, paused: boolean) {
    this.tray = tray;
    this.actions = actions;
    this.paused = paused;
    this.setMenu();
    this.tray.setToolTip('Ferry');
  }

  /** The window whose taskbar/dock icon shows progress (undefined while it is closed). */
  setWindow(window: ProgressTarget | undefined): void {
    this.window = window;
    this.render();
  }

  /** Feeds one engine event in. */
  apply(e: EngineEvent): void {
    if (e.type === 'totals') {
      this.totals = e.totals;
      this.render();
    } else if (e.type === 'paused' && e.paused !== this.paused) {
      this.paused = e.paused;
      this.setMenu();
      this.render();
    }
  }

  private setMenu(): void {
    this.menu = trayMenu(this.paused, this.actions);
    this.tray.setMenu(this.menu);
  }

  private render(): void {
    const t = this.totals;
    if (!t) return;
    const active = filesInProgress(t) > 0;
    this.progress = active ? overallProgress(t) : -1;
    // -1 removes the bar; paused and failed files get the platform's own colours where it has them.
    this.window?.setProgressBar(this.progress, { mode: !active ? 'none' : this.paused ? 'paused' : t.byState.failed > 0 ? 'error' : 'normal' });
    this.tray.setToolTip(trayTooltip(t, this.paused));
  }
}

/**
 * Pauses every upload while the machine runs on battery, when the user asked for it, and resumes
 * on mains power only what it paused itself: a pause the user made stays, and a user who resumes
 * on battery is not overruled until the next time the power source changes.
 */
export class BatteryPause {
  private enabled: boolean;
  private pausedByUs = false;
  private readonly power: PowerSource;
  private readonly actions: DesktopActions;
  private readonly isPaused: () => boolean;
  private readonly onBattery = () => void this.toBattery();
  private readonly onAc = () => void this.toAc();

  constructor(power: PowerSource, actions: DesktopActions, isPaused: () => boolean, enabled: boolean) {
    this.power = power;
    this.actions = actions;
    this.isPaused = isPaused;
    this.enabled = enabled;
  }

  /** Listens to the power source, and pauses at once when already on battery. */
  async start(): Promise<void> {
    this.power.on('on-battery', this.onBattery);
    this.power.on('on-ac', this.onAc);
    if (this.power.isOnBatteryPower()) await this.toBattery();
  }

  stop(): void {
    this.power.removeListener('on-battery', this.onBattery);
    this.power.removeListener('on-ac', this.onAc);
  }

  /** The Settings checkbox changed. */
  async setEnabled(enabled: boolean): Promise<void> {
    this.enabled = enabled;
    if (enabled && this.power.isOnBatteryPower()) await this.toBattery();
    if (!enabled && this.pausedByUs) await this.toAc();
  }

  /** The user resumed by hand: this pause is no longer ours to lift. */
  userResumed(): void {
    this.pausedByUs = false;
  }

  private async toBattery(): Promise<void> {
    if (!this.enabled || this.isPaused()) return;
    this.pausedByUs = true;
    await this.actions.pauseAll();
    this.actions.notify('Ferry paused uploads', 'Your computer is on battery. Uploads resume when it is plugged in (Settings: pause on battery).');
  }

  private async toAc(): Promise<void> {
    if (!this.pausedByUs) return;
    this.pausedByUs = false;
    if (!this.isPaused()) return;
    await this.actions.resumeAll();
    this.actions.notify('Ferry resumed uploads', 'Your computer is plugged in again.');
  }
}
