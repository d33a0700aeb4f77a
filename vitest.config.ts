import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites each start their own embedded stack on port 0; two cores, so keep it modest.
    maxWorkers: 2,
    environment: 'node',
  },
});
