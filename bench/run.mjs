#!/usr/bin/env node
// `npm run bench` runs every benchmark; `npm run bench -- NAME` runs one. Each bench/NAME.ts
// writes bench/results/NAME.json ({name, figure, baseline, ratio, unit, goal, notes}), with the
// figure and its baseline measured in the same run. All of them run inside a loopback-only
// network namespace, since several start Chromium with WebRTC or coturn.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const ORDER = ['signal', 'crypto-ingest', 'ingest-heap', 'ingest-photos', 'replication', 'replication-turn', 'sync-bytes', 'sync-bytes-webrtc', 'grid-10k', 'grid-100k', 'unlock-100k', 'restore-10k', 'lighthouse', 'signal-cluster'];
const arg = process.argv[2];
if (arg === '--help' || arg === '-h') {
  console.log(`usage: npm run bench [-- NAME]\nbenchmarks: ${available().join(', ')}`);
  process.exit(0);
}
function available() {
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  return ORDER.filter((n) => files.includes(n)).concat(files.filter((f) => !ORDER.includes(f)));
}
const names = arg ? [arg] : available();
let failed = 0;
for (const name of names) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) {
    console.error(`no benchmark named ${name} (have: ${available().join(', ')})`);
    process.exit(2);
  }
  console.log(`\n── bench ${name}`);
  const r = spawnSync('node', ['scripts/netns.mjs', process.execPath, '--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
