/**
 * Builds renderer/ into dist/renderer/. `base: './'` makes asset URLs relative, so the same bundle
 * loads from the desktop app's app:// origin and from `ferry serve` over http.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // The CSP forbids inline script; vite's module preload polyfill would inline one.
    modulePreload: { polyfill: false },
  },
});
