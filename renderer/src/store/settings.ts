/** The engine's settings, read when the Settings view opens and saved from its form. */
import type { FerryState, SliceContext } from './ferry-state.ts';

export type SettingsSlice = Pick<FerryState, 'settings' | 'loadSettings' | 'saveSettings'>;

/** Settings state and actions. */
export function settingsSlice({ api, set, get, guard }: SliceContext): SettingsSlice {
  return {
    settings: null,

    async loadSettings() {
      const settings = await guard('Could not load settings', () => api.getSettings());
      if (settings) set({ settings });
    },
    async saveSettings(patch) {
      const settings = await guard('Could not save settings', () => api.updateSettings(patch));
      if (!settings) return false;
      set({ settings });
      get().notify('info', 'Settings saved.');
      return true;
    },
  };
}
