// Helpers for the user-facing scripts (npm start, npm run demo): build the PWA when its sources
// are newer than web/dist, run a few long-lived processes with prefixed output, and stop them all
// cleanly on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Runs `vite build` if web/dist is missing or older than web/src, web/*.html or public/. */
export function buildIfNeeded() {
  const marker = join(repoRoot, 'web/dist/relay.html');
  const built = existsSync(marker) ? Math.min(statSync(marker).mtimeMs, statSync(join(repoRoot, 'web/dist/index.html')).mtimeMs) : 0;
  const sources = Math.max(newest(join(repoRoot, 'web/src')), newest(join(repoRoot, 'public')),
    statSync(join(repoRoot, 'web/index.html')).mtimeMs, statSync(join(repoRoot, 'web/relay.html')).mtimeMs);
  if (built >= sources) return;
  console.log('Building the web app (web/dist)…');
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * A one-time enrolment code for the signal server's first family, or undefined when `file`
 * already enrols one (docs/signal-server.md "Enrolment"). `npm start` and `npm run demo` put it
 * in the address they print, so the vault created from it is enrolled without extra steps.
 */
export async function firstEnrolCode(file) {
  const { tsImport } = await import('tsx/esm/api');
  const { FileEnrolmentStore } = await tsImport('../../signal-server/src/enrolment-file.ts', import.meta.url);
  const store = new FileEnrolmentStore(file);
  if ((await store.list()).length > 0) return undefined;
  return store.mint(Date.now() + 7 * 86_400_000, Date.now());
}

/** Node running a TypeScript CLI of this repository (tsx as a loader, as the docs recommend). */
export const tsNode = (script) => [process.execPath, ['--import', 'tsx', join(repoRoot, script)]];

/**
 * Child processes that live as long as the script. Each runs in its own process group, so a
 * Ctrl-C reaches only this script, which then sends each child exactly one SIGTERM (relay-node
 * treats a second signal as "stop now, skip the graceful part").
 */
export class Services {
  #children = [];
  #stopping = false;
  #firstSignalAt = 0;

  constructor() {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => this.#onSignal(sig));
    // Last resort if this script dies of an exception: no child outlives it.
    process.on('exit', () => {
      for (const c of this.#children) if (c.proc.exitCode === null && c.proc.signalCode === null) killGroup(c.proc, 'SIGKILL');
    });
  }

  /**
   * Starts `cmd args`, prefixing each output line with `[name] `, and resolves with the match of
   * `ready` in its output. If it exits first, rejects with its output. If it exits later while
   * we are not stopping, everything stops (onExit decides the exit code, default the child's).
   */
  start(name, cmd, args, { ready, env = {}, onExit } = {}) {
    const proc = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const child = { name, proc };
    this.#children.push(child);
    let out = '';
    let isReady = false;
    return new Promise((resolve, reject) => {
      const onLine = (line) => {
        console.log(`[${name}] ${line}`);
        out += line + '\n';
        if (!isReady && ready) {
          const m = out.match(ready);
          if (m) {
            isReady = true;
            resolve(m);
          }
        }
      };
      for (const stream of [proc.stdout, proc.stderr]) {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            onLine(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        });
        stream.on('end', () => buf && onLine(buf));
      }
      proc.once('error', (e) => reject(new Error(`${name}: could not start ${cmd}: ${e.message}`)));
      proc.once('exit', (code, signal) => {
        if (!isReady) {
          reject(Object.assign(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready`), { code }));
          return;
        }
        if (this.#stopping) return;
        console.log(`[${name}] exited (${signal ?? `code ${code}`}); stopping everything`);
        void this.stopAll(onExit ? onExit(code) : code || 1);
      });
    });
  }

  /** SIGTERM to every child (newest first), wait for them, then exit with `code`. */
  async stopAll(code = 0) {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const c of [...this.#children].reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
      const exited = new Promise((r) => c.proc.once('exit', r));
      killGroup(c.proc, 'SIGTERM');
      const timer = setTimeout(() => {
        console.log(`[${c.name}] still running after 30 s: killing it`);
        killGroup(c.proc, 'SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    process.exit(code);
  }

  #onSignal(sig) {
    const now = Date.now();
    if (!this.#firstSignalAt) {
      this.#firstSignalAt = now;
      console.log(`\n${sig}: stopping (the relay lets queued writes finish first; press Ctrl-C again to force)…`);
      void this.stopAll(0);
    } else if (now - this.#firstSignalAt > 1500) {
      // A second, deliberate one (npm may forward the first one again at once: ignored).
      console.log(`${sig} again: killing everything now`);
      for (const c of this.#children) killGroup(c.proc, 'SIGKILL');
      process.exit(1);
    }
  }
}

function killGroup(proc, signal) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      // already gone
    }
  }
}
