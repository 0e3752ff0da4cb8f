/** The CLI as a real process: help, start-up line, refusal of the JS fallback, graceful SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeRoom, joined, joinWith } from './support/client.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--import', 'tsx', 'signal-server/src/cli.ts'];

describe('cli', () => {
  it('--help prints the flags and exits 0', () => {
    const r = spawnSync(process.execPath, [...cli, '--help'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--turn-secret');
    expect(r.stdout).toContain('--idle-timeout');
  });

  it('a bad flag exits 2 with a message', () => {
    const r = spawnSync(process.execPath, [...cli, '--port', 'x'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port/);
  });

  it('refuses to run on the uWS JavaScript fallback (exit 1)', () => {
    const r = spawnSync(process.execPath, [...cli, '--port', '0'], { cwd: root, encoding: 'utf8', env: { ...process.env, UWS_USE_FALLBACK: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/fallback instead of the native binary/);
  });

  it('prints its URL, serves, and on SIGTERM closes WebSockets with 1001 and exits 0', async () => {
    const proc = spawn(process.execPath, [...cli, '--port', '0', '--no-static', '--no-enrolment'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start line:\n${out}`)), 15_000);
      proc.stdout.on('data', () => {
        const m = /Signal server listening on (http:\/\/127\.0\.0\.1:\d+) \(serving no static files\)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const server = { url, port: 0, close: async () => undefined, metrics: () => { throw new Error('n/a'); } };
    const c = await joined(server, makeRoom());
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    expect(await c.closedWithin(5000)).toEqual({ code: 1001, reason: 'server-shutdown' });
    expect(await exited).toBe(0);
    expect(out).toMatch(/ connect ip=127\.0\.0\.1 conn=1 room=\S+ peer=\S+ peers=1/);
    expect(out).toMatch(/shutdown connections=1/);
    // And the port is closed.
    const ws = new WebSocket(`${url.replace('http', 'ws')}/signal`);
    await new Promise<void>((resolve) => ws.on('error', () => resolve()));
  }, 30_000);

  it('one Ctrl-C under npm (SIGINT twice at once) is one clean shutdown, exit 0', async () => {
    const proc = spawn(process.execPath, [...cli, '--port', '0', '--no-static', '--no-enrolment'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start line:\n${out}`)), 15_000);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Signal server listening on')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    // 'close', not 'exit': at 'exit' the last lines may still be unread in the pipe.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
    proc.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    proc.kill('SIGINT');
    expect(await exited, out).toEqual({ code: 0, signal: null });
    expect(out).toMatch(/signal SIGINT: shutting down/);
    expect(out).toMatch(/signal SIGINT: already shutting down/);
  }, 30_000);

  it('refuses rooms nobody enrolled by default; `enroll` mints a code the running server takes at once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'fv-cli-home-'));
    const env = { ...process.env, HOME: home, STATE_DIRECTORY: '' };
    const proc = spawn(process.execPath, [...cli, '--port', '0', '--no-static'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start line:\n${out}`)), 15_000);
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Signal server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const file = join(home, '.family-vault', 'signal-enrolment.json');
      expect(out).toContain(`enrolment=${file}`);
      const server = { url, port: 0, close: async () => undefined, metrics: () => { throw new Error('n/a'); } };
      const stranger = await joinWith(server, makeRoom(), {});
      expect('refused' in stranger && stranger.refused.code).toBe(4010);

      const run = (...args: string[]) => spawnSync(process.execPath, [...cli, ...args], { cwd: root, env, encoding: 'utf8' });
      const minted = run('enroll', '--days', '2');
      expect(minted.status, minted.stderr).toBe(0);
      expect(minted.stdout).toMatch(/valid 2 days/);
      const code = /Enrolment code: (\S+)/.exec(minted.stdout)![1]!;
      expect(existsSync(file)).toBe(true);
      const room = makeRoom();
      const family = await joinWith(server, room, { enrol: code });
      expect('joinedMsg' in family && family.joinedMsg).toMatchObject({ enrolled: true, enrolledBy: 'code' });
      family.close();

      const listed = run('enrolled');
      expect(listed.stdout).toMatch(/^1 enrolled room in 1 family; 0 unused code\(s\)/);
      expect(listed.stdout).toContain(room.id);
      expect(run('unenroll', room.id.slice(0, 8)).stdout).toContain(`Unenrolled ${room.id}`);
      expect(run('unenroll', room.id).status).toBe(1);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('close', r));
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);
});
