#!/usr/bin/env node
// Runs a command inside a private network namespace whose only device is loopback, so that
// nothing a browser or coturn does can send a packet off this machine (../shared/TESTING.md).
// As root: `unshare -n`; otherwise a user namespace (`unshare -rn`) where the kernel allows it.
// Usage: node scripts/netns.mjs <command> [args…]   (FV_NETNS=1 is set inside)
import { spawnSync } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd || cmd === '--help') {
  console.log('usage: node scripts/netns.mjs <command> [args…]\nRuns the command in a loopback-only network namespace.');
  process.exit(cmd ? 0 : 2);
}
if (process.env.FV_NETNS === '1') {
  // Already inside one (e.g. npm test wraps the whole browser suite).
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const isRoot = process.getuid?.() === 0;
const inner = 'ip link set lo up && exec "$@"';
const unshareArgs = [isRoot ? '-n' : '-rn', 'sh', '-c', inner, 'sh', cmd, ...args];
const r = spawnSync('unshare', unshareArgs, { stdio: 'inherit', env: { ...process.env, FV_NETNS: '1' } });
if (r.error) {
  console.error(`Could not start a loopback-only network namespace (unshare: ${r.error.message}).\n` +
    'Install util-linux and iproute2, and run as root or enable unprivileged user namespaces.');
  process.exit(1);
}
process.exit(r.status ?? 1);

