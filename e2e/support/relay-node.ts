/**
 * A real relay-node process (the CLI driving its Chromium on the real relay page) for the
 * browser suites: start, stop with a signal, /status, and `relay-node status` as text.
 */
import { expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { repoRoot, spawnUntil, type Running } from './processes.ts';

const cli = ['--import', 'tsx', 'relay-node/src/cli.ts'];

export class RelayNode {
  run: Running | undefined;
  #log = '';
  constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly port: number,
    readonly pagePort: number,
    readonly inviteFile: string,
    readonly signalWsUrl: string,
    readonly extra: string[] = [],
  ) {}

  /** The last `lines` lines of its log (for a failure message). */
  tail(lines = 40): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }

  log(): string {
    return this.#log + (this.run?.output() ?? '');
  }

  async start(): Promise<number> {
    const t0 = Date.now();
    this.run = await spawnUntil(process.execPath, [
      ...cli, '--data', this.dataDir, '--signal', this.signalWsUrl, '--invite-file', this.inviteFile, '--name', this.name,
      '--port', String(this.port), '--page-port', String(this.pagePort), '--test-loopback',
      '--watchdog-interval', '1', '--watchdog-timeout', '10', '--self-check-minutes', '0.1', '--self-check-sample', '100000',
      ...this.extra,
    ], / INFO running status=/, { timeoutMs: 90_000 });
    await expect.poll(async () => (await this.status())?.ok, { timeout: 30_000 }).toBe(true);
    return Date.now() - t0;
  }

  /** Ends the process (its log is kept for the next start). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.run) return null;
    const code = await this.run.stop(signal);
    this.#log += this.run.output();
    this.run = undefined;
    return code;
  }

  async status(): Promise<any> {
    try {
      return await (await fetch(`http://127.0.0.1:${this.port}/status`)).json();
    } catch {
      return undefined;
    }
  }

  /** `relay-node status` as a person sees it. */
  statusText(): Promise<string> {
    return new Promise((resolve) => {
      execFile(process.execPath, [...cli, 'status', '--port', String(this.port)], { cwd: repoRoot }, (_e, out, err) => resolve(out + err));
    });
  }
}

