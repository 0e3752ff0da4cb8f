#!/usr/bin/env node
// `npm test`: unit tests (vitest), then the browser suite (Playwright + Chromium) inside a
// loopback-only network namespace, with the servers it needs started there by the harness.
// Stages: check (tsc + eslint), unit, e2e; `npm test -- unit` runs one stage.
import { spawnSync } from 'node:child_process';

const only = process.argv[2];
const run = (cmd, args, env = {}) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
};

let failed = 0;
if (!only || only === 'check') {
  failed += run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) === 0 ? 0 : 1;
  failed += run('npx', ['eslint', '.']) === 0 ? 0 : 1;
}
if (!only || only === 'unit') {
  failed += run('npx', ['vitest', 'run', '--project', 'unit']) === 0 ? 0 : 1;
  // Unit tests that start coturn belong inside the namespace too.
  failed += run('node', ['scripts/netns.mjs', 'npx', 'vitest', 'run', '--project', 'netns']) === 0 ? 0 : 1;
}
if (!only || only === 'e2e') {
  failed += run('node', ['scripts/netns.mjs', 'npx', 'playwright', 'test']) === 0 ? 0 : 1;
}
console.log(failed ? `\n${failed} test stage(s) failed` : '\nall test stages passed');
process.exit(failed ? 1 : 0);
