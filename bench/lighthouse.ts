/**
 * lighthouse: the family app's first screen under Lighthouse's mobile profile (its default:
 * a Moto G Power-class phone, simulated slow 4G and 4× CPU slowdown), served by the real signal
 * server from the production build (web/dist, precompressed), in headless Chromium on loopback.
 *
 * - Figure: first contentful paint (ms, the median of RUNS runs) of the app's first screen (a
 *   fresh profile: the welcome screen a new family member sees).
 * - Baseline: the first contentful paint of the floor, in the same run, same server, same
 *   throttling: a page with the app's shell (the same index.html head, title and background)
 *   and one line of text but no script at all. No app can paint sooner than that over the same
 *   link: it is what the connection and the HTML alone cost.
 * - ratio = baseline ÷ figure (1 would be an app that costs nothing before its first paint).
 * - Notes: the performance and accessibility scores (goal ≥ 98 and 100), LCP, TBT, the JS bytes
 *   the first screen downloads and how many of them Lighthouse found unused.
 *
 * FV_LIGHTHOUSE_RUNS=N (default 3). FV_SKIP_BUILD=1 reuses web/dist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { launchChromium } from '../e2e/support/chromium.ts';
import { freePort, repoRoot, startSignalServer } from '../e2e/support/processes.ts';
import { writeResult } from './support/harness.ts';

const RUNS = Number(process.env.FV_LIGHTHOUSE_RUNS ?? 3);
const log = (s: string) => console.error(`[lighthouse] ${s}`);

const dist = join(repoRoot, 'web/dist');
if (process.env.FV_SKIP_BUILD !== '1' || !existsSync(join(dist, 'index.html'))) {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: repoRoot, stdio: 'inherit' });
}

// The floor: the app's own index.html with its scripts and module preloads taken out.
const floorDir = mkdtempSync(join(tmpdir(), 'fv-lighthouse-floor-'));
const shell = readFileSync(join(dist, 'index.html'), 'utf8')
  .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
  .replace(/<link\b[^>]*rel="(modulepreload|manifest)"[^>]*>/g, '')
  .replace(/<body([^>]*)>[\s\S]*<\/body>/, '<body$1><p>Family Vault</p></body>');
writeFileSync(join(floorDir, 'index.html'), shell);

const app = await startSignalServer(['--static', 'web/dist']);
const floor = await startSignalServer(['--static', floorDir]);
const port = await freePort();
const browser = await launchChromium({ args: [`--remote-debugging-port=${port}`, '--remote-debugging-address=127.0.0.1'] });

interface Run { score: number; a11y: number; fcp: number; lcp: number; tbt: number; jsBytes: number; unusedJsBytes: number; textCompressionBytes: number }

async function audit(url: string): Promise<Run> {
  const r = await lighthouse(url, {
    port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'],
    // Lighthouse's mobile defaults (formFactor, screen emulation, simulated throttling) stay.
    disableStorageReset: false,
  });
  if (!r) throw new Error(`lighthouse returned nothing for ${url}`);
  const { lhr } = r;
  if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const num = (id: string) => Number(lhr.audits[id]?.numericValue ?? NaN);
  const items = (id: string) => ((lhr.audits[id]?.details as { items?: Array<Record<string, unknown>> } | undefined)?.items ?? []);
  const js = items('network-requests').filter((i) => i.resourceType === 'Script');
  return {
    score: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    a11y: Math.round((lhr.categories.accessibility?.score ?? 0) * 100),
    fcp: num('first-contentful-paint'),
    lcp: num('largest-contentful-paint'),
    tbt: num('total-blocking-time'),
    jsBytes: js.reduce((n, i) => n + Number(i.transferSize ?? 0), 0),
    unusedJsBytes: items('unused-javascript').reduce((n, i) => n + Number(i.wastedBytes ?? 0), 0),
    textCompressionBytes: items('uses-text-compression').reduce((n, i) => n + Number(i.wastedBytes ?? 0), 0),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const apps: Run[] = [];
  const floors: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternated, so a slower moment of the machine falls on both.
    floors.push(await audit(`${floor.url}/`));
    apps.push(await audit(`${app.url}/`));
    log(`run ${i + 1}/${RUNS}: app FCP ${Math.round(apps[i]!.fcp)} ms (performance ${apps[i]!.score}, accessibility ${apps[i]!.a11y}), floor FCP ${Math.round(floors[i]!.fcp)} ms`);
  }
  const m = (runs: Run[], k: keyof Run) => median(runs.map((r) => r[k]));
  const figure = Math.round(m(apps, 'fcp'));
  const baseline = Math.round(m(floors, 'fcp'));
  writeResult({
    name: 'lighthouse',
    figure,
    baseline,
    ratio: Math.round((baseline / figure) * 1000) / 1000,
    unit: 'ms',
    goal: 'performance score >= 98, first contentful paint < 1500 ms, accessibility 100 (Lighthouse mobile)',
    notes: {
      figure: `first contentful paint of the app's first screen (the welcome screen, fresh profile) from web/dist through the real signal server, Lighthouse ${lighthouseVersion()} mobile defaults (simulated slow 4G, 4x CPU slowdown), median of ${RUNS}`,
      baseline: 'first contentful paint of the same index.html head and background with one line of text and no script, from the same signal server, same throttling, alternated with the app runs: what the connection and the HTML alone cost',
      performanceScore: m(apps, 'score'),
      accessibilityScore: m(apps, 'a11y'),
      lcpMs: Math.round(m(apps, 'lcp')),
      totalBlockingTimeMs: Math.round(m(apps, 'tbt')),
      firstScreenJsTransferBytes: m(apps, 'jsBytes'),
      unusedJsBytes: m(apps, 'unusedJsBytes'),
      textCompressionSavingsBytes: m(apps, 'textCompressionBytes'),
      floorPerformanceScore: m(floors, 'score'),
      runs: { app: apps, floor: floors },
    },
  });
} finally {
  await browser.close();
  await app.stop();
  await floor.stop();
  rmSync(floorDir, { recursive: true, force: true });
}

function lighthouseVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'node_modules/lighthouse/package.json'), 'utf8')) as { version: string }).version;
}
