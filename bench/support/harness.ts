/**
 * Shared set-up for benchmarks that run in Chromium: builds the harness pages if needed, starts
 * the real signal server serving them, and writes bench/results/NAME.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startSignalServer, type SignalServer } from '../../e2e/support/processes.ts';

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
