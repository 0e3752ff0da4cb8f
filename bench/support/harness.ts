/**
 * Shared set-up for benchmarks that run in Chromium: builds the harness pages if needed, starts
 * the real signal server serving them, opens the ingest page, and writes bench/results/NAME.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startSignalServer, type SignalServer } from '../../e2e/support/processes.ts';
import type { BrowserContext } from 'playwright-core';

export interface BenchResult {
  name: string;
  figure: number;
  baseline: number;
  ratio: number;
  unit: string;
  goal: string;
  notes: Record<string, unknown> | string;
}

export function buildHarness(): void {
  if (process.env.FV_SKIP_BUILD === '1' && existsSync(join(repoRoot, 'e2e/harness/dist'))) return;
  const vite = join(repoRoot, 'node_modules/vite/bin/vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', 'e2e/harness/vite.config.ts'], { cwd: repoRoot, stdio: 'inherit' });
}

export async function harnessServer(extra: string[] = []): Promise<SignalServer> {
  buildHarness();
  return startSignalServer(['--static', 'e2e/harness/dist', ...extra]);
}

export function writeResult(r: BenchResult): void {
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${r.name}.json`), JSON.stringify(r, null, 2) + '\n');
  console.log(JSON.stringify(r, null, 2));
}

/**
 * The ingest harness page (e2e/harness/bench-ingest.ts) in `context`, and `call(fn, arg)` for
 * its window.fvBenchIngest functions; page errors are printed under `label`.
 */
export async function openIngestPage(context: BrowserContext, server: SignalServer, label: string) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[${label}] page error:`, e.message));
  await page.goto(`${server.url}/bench-ingest.html`);
  await page.waitForFunction(() => 'fvBenchIngest' in window);
  const call = <T = any>(fn: string, arg?: unknown) =>
    page.evaluate(([f, a]) => (window as any).fvBenchIngest[f as string](a), [fn, arg] as const) as Promise<T>;
  return { page, call };
}
