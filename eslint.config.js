// One no-restricted-imports block per runtime folder keeps the dependency arrows pointing one way:
// renderer → shared ← main, backend-lambda → shared (STYLE.md §1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'crypto', 'stream', 'child_process', 'worker_threads'];

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
  {
    files: ['main/engine/**', 'main/store/**', 'main/cli/**', 'main/serve/**', 'main/auth/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron'], message: 'Plain Node here: only main/electron imports electron.' },
          { group: ['**/renderer/**', 'react', 'react-dom'], message: 'main/ never imports the renderer.' },
        ],
      }],
    },
  },
);
