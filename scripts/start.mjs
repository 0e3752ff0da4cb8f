#!/usr/bin/env node
// `npm start`: builds the PWA if needed, then starts the signal server serving it on
// http://127.0.0.1:8080 (PORT to change). Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const port = process.env.PORT ?? '8080';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const built = existsSync('web/dist/index.html') ? statSync('web/dist/index.html').mtimeMs : 0;
if (built < Math.max(newest('web/src'), newest('public'))) {
  console.log('Building the PWA…');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const children = [];
const signal = spawn(process.execPath, ['--import', 'tsx', 'signal-server/src/cli.ts', '--port', port, '--static', 'web/dist'], { stdio: 'inherit' });
children.push(signal);
signal.on('exit', (code) => {
  for (const c of children) if (c !== signal) c.kill('SIGTERM');
  process.exit(code ?? 0);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => children.forEach((c) => c.kill('SIGTERM')));
