import { defineConfig } from '@playwright/test';

// The browser suite. Run through `npm test` (or `npm run test:browser`), which puts it in a
// loopback-only network namespace. One worker: the machines have 2 cores and each test
// starts several Chromium processes.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  retries: 0,
});
