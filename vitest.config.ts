import { defineConfig } from 'vitest/config';

// Two projects: plain unit tests, and tests that start coturn (*.netns.test.ts), which
// scripts/test.mjs runs inside a loopback-only network namespace (FV_NETNS=1).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['web/**/*.test.ts', 'signal-server/**/*.test.ts', 'relay-node/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.netns.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'netns',
          include: ['**/*.netns.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
    ],
  },
});
