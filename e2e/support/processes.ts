/** Child processes for tests: started on free loopback ports, stopped at teardown. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Running {
  proc: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Spawns a command and resolves once its output matches `ready`. */
export function spawnUntil(
  cmd: string, args: string[], ready: RegExp,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Running & { match: RegExpMatchArray }> {
  const proc = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let isReady = false;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      proc.kill(signal);
    });
  const timeoutMs = opts.timeoutMs ?? 20000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} not ready after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (isReady) return;
      const m = out.match(ready);
      if (m) {
        isReady = true;
        clearTimeout(timer);
        resolve({ proc, match: m, output: () => out, stop });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`${cmd} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export interface SignalServer extends Running {
  url: string;
  wsUrl: string;
}

/**
 * Starts the real signal server CLI on a free loopback port. Enrolment is off (`--no-enrolment`:
 * the harness pages' rooms get TURN without a code) unless `flags` configure it.
 */
export async function startSignalServer(flags: string[] = []): Promise<SignalServer> {
  const enrolment = flags.some((f) => /^--(enrol-file|no-enrolment|allow-unenrolled-signaling)(=|$)/.test(f)) ? [] : ['--no-enrolment'];
  const r = await spawnUntil(
    process.execPath,
    ['--import', 'tsx', 'signal-server/src/cli.ts', '--host', '127.0.0.1', ...(flags.includes('--port') ? [] : ['--port', '0']), ...enrolment, ...flags],
    /listening on (http:\/\/[0-9.:]+)/,
  );
  const url = r.match[1]!;
  return { ...r, url, wsUrl: `${url.replace('http', 'ws')}/signal` };
}

/**
 * A free loopback port, for a server that must come back on the same origin after a restart:
 * uWebSockets sets SO_REUSEADDR only for an explicit port, so a port-0 listener's old
 * connections would block the restart.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
