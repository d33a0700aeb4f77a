// One no-restricted-imports block per runtime folder keeps the dependency arrows pointing one way:
// renderer → shared ← main, backend-lambda → shared (STYLE.md §1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'crypto', 'stream', 'child_process', 'worker_threads'];

/** An import of a sibling folder of main/ (`../cli/x.ts`, `../../serve/x.ts` from a subfolder). */
const mainFolder = (...folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
/** Any relative import leaving the folder, except into shared/. */
const outsideOwnFolderButShared = '^\\.\\./(?!\\.\\./shared/)';

const noElectron = { group: ['electron'], message: 'Plain Node here: only main/electron and main/preload import electron.' };
const allOfMain = [
  { group: ['**/renderer/**', 'react', 'react-dom'], message: 'main/ never imports the renderer.' },
  { regex: '(^|/)backend-lambda(/|$)', message: 'main/ reaches the backend only through main/launcher (run-here.ts runs it, launch.ts starts or reuses it).' },
];

/**
 * The arrows inside main/ (docs/ARCHITECTURE.md). `intake` is the file-intake folder (add-paths,
 * watcher, ComfyUI). test/unit/lint-rules.test.ts checks that these blocks reject and accept what
 * they should.
 */
function mainBlocks() {
  const block = (files, patterns) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [...allOfMain, ...patterns] }] },
  });
  return [
    block(['main/**'], [noElectron]),
    block(['main/engine/**', 'main/store/**', 'main/intake/**', 'main/auth/**'], [
      noElectron,
      { regex: mainFolder('cli', 'serve', 'electron'), message: 'The engine, the store and intake are what the CLI, serve mode and Electron are built on, never the reverse.' },
    ]),
    block(['main/cli/**'], [noElectron, { regex: mainFolder('electron'), message: 'The CLI is plain Node: it never imports the Electron glue.' }]),
    block(['main/serve/**'], [noElectron, { regex: mainFolder('cli', 'electron'), message: 'Serve mode is started by the CLI, never the reverse, and is plain Node.' }]),
    block(['main/launcher/**'], [noElectron]),
    {
      // The one file of main/ that imports backend-lambda (launch.ts stays free of it: Electron's main bundle includes launch.ts).
      files: ['main/launcher/run-here.ts'],
      rules: { 'no-restricted-imports': ['error', { patterns: [allOfMain[0], noElectron] }] },
    },
    block(['main/electron/**'], [{ regex: mainFolder('cli', 'serve'), message: 'The Electron glue builds the engine through engine/host.ts, not through the CLI or serve mode.' }]),
    block(['main/preload/**'], [
      { group: nodeBuiltins, message: 'The preload runs sandboxed: only electron and shared/.' },
      { regex: outsideOwnFolderButShared, message: 'The preload imports only electron and shared/.' },
      { regex: '^(?!electron$)[^./]', message: 'The preload imports only electron and shared/.' },
    ]),
    block(['main/ipc/**', 'main/config/**'], [
      noElectron,
      { regex: outsideOwnFolderButShared, message: 'ipc/ and config/ are leaves: they import only shared/ (and Node).' },
    ]),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.tsbuild/', 'dist/', 'cdk.out/', '**/cdk.out/', 'test-results/', 'release/', '.bench/', '.ferry-data/', '**/.ferry-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'shared/ runs everywhere: no Node APIs.' },
          { group: ['electron', 'react', 'react-dom', '**/main/**', '**/renderer/**', '**/backend-lambda/**'], message: 'shared/ imports nothing of the other folders.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'renderer/ is DOM only.' },
          { group: ['electron', '**/main/**', '**/backend-lambda/**'], message: 'renderer/ talks to the engine only through the client in shared/.' },
        ],
      }],
    },
  },
  {
    files: ['backend-lambda/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['electron', 'react', '**/main/**', '**/renderer/**'], message: 'backend-lambda/ depends only on shared/.' }],
      }],
    },
  },
  // main/: a block per folder. A later block's no-restricted-imports replaces an earlier one's, so
  // each repeats the rules of all of main/.
  ...mainBlocks(),
);
