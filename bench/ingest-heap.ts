/**
 * ingest-heap: how much memory the real ingest pipeline needs for a large file. In Chromium
 * (persistent profile, OPFS), a real vault (createVault, crypto + media + OPFS workers) ingests a
 * FV_BENCH_MIB (default 1024) MiB video/mp4 File: an `ftyp` box, then 16 random 1 MiB parts repeated. The file
 * is written to disk by Node and picked through an <input type=file> (setInputFiles), as a user
 * picks a video: Chromium here cannot read back a page-built Blob of 512 MiB or more
 * (NotReadableError), so FV_BENCH_HEAP_SOURCE=blob (a Blob built in the page) only works below
 * that. The thumbnail of this non-video fails to decode (a placeholder is stored), as for any
 * undecodable video.
 *
 * Memory = Σ over the page and its dedicated workers of V8's used heap size plus ArrayBuffer
 * backing stores (Runtime.getHeapUsage over CDP: usedSize + backingStorageSize, every 100 ms).
 * The chunks live in ArrayBuffers, so they count, dead ones waiting for GC included: that is
 * memory the tab holds. Baseline: after the vault is set up, the File is built and a full GC in
 * every isolate. figure = peak − baseline in MiB (ratio = figure; baseline reported as 0 with the
 * absolute starting values in the notes). No result is written when the ingest failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchPersistentChromium, testChromiumArgs } from '../e2e/support/chromium.ts';
import { repoRoot } from '../e2e/support/processes.ts';
import { HeapProbe, type HeapSample } from './support/cdp-heap.ts';
import { harnessServer, openIngestPage, writeResult } from './support/harness.ts';

const mib = Number(process.env.FV_BENCH_MIB ?? 1024);
const source = process.env.FV_BENCH_HEAP_SOURCE === 'blob' ? 'blob' : 'file';
const MiB = 1024 * 1024;
const r1 = (x: number) => Math.round(x * 10) / 10;
const toMiB = (b: number) => r1(b / MiB);
/** An ISO-BMFF `ftyp` box, so the file starts like an MP4 and passes the media policy's signature check. */
const MP4_HEAD = Buffer.from('000000186674797069736f6d0000020069736f6d6d703431', 'hex');

const server = await harnessServer();
const dir = mkdtempSync(join(tmpdir(), 'fv-bench-heap-'));
const context = await launchPersistentChromium(dir, { args: [...testChromiumArgs, '--remote-debugging-port=0'] });
let probe: HeapProbe | undefined;
try {
  const { page, call } = await openIngestPage(context, server, 'ingest-heap');

  await call('heapSetup', { signalUrl: server.wsUrl });
  let size: number;
  if (source === 'blob') {
    size = await call<number>('buildBig', mib);
  } else {
    const path = join(dir, 'big.mp4');
    const parts = Array.from({ length: 16 }, () => randomBytes(MiB));
    writeFileSync(path, '');
    for (let i = 0; i < mib; i++) appendFileSync(path, i === 0 ? Buffer.concat([MP4_HEAD, parts[0]!.subarray(MP4_HEAD.length)]) : parts[i % parts.length]!);
    await page.setInputFiles('#pick', path);
    const picked = await call<{ size: number; type: string }>('usePicked');
    if (picked.type !== 'video/mp4') throw new Error(`picked file has type ${picked.type}`);
    size = picked.size;
  }
  probe = await HeapProbe.attach(dir, 'bench-ingest');
  const p = probe;
  for (let i = 0; i < 2; i++) {
    await p.gc();
    await new Promise((r) => setTimeout(r, 300));
  }
  const base = await p.sample();
  const total = (s: HeapSample) => s.used + s.backing;
  let peak = base;
  let peakUsed = base.used;
  let peakBacking = base.backing;
  const peakBy: Record<string, number> = {};
  let samples = 0;
  let done = false;
  const ingest = call<{ ms: number; outcome: { status: string; reason?: string } }>('ingestBig').finally(() => (done = true));
  // No forced GC while the ingest runs: garbage chunk buffers are memory the tab holds until
  // V8 collects them by itself, and the figure must include them.
  while (!done) {
    const s = await p.sample();
    samples++;
    if (total(s) > total(peak)) peak = s;
    peakUsed = Math.max(peakUsed, s.used);
    peakBacking = Math.max(peakBacking, s.backing);
    for (const [k, v] of Object.entries(s.byTarget)) {
      const b = base.byTarget[k] ?? { used: 0, backing: 0 };
      peakBy[k] = Math.max(peakBy[k] ?? 0, v.used + v.backing - b.used - b.backing);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await ingest;
  if (result.outcome.status !== 'added') {
    rmSync(join(repoRoot, 'bench/results/ingest-heap.json'), { force: true }); // no stale figure either
    throw new Error(`the file was not added, so no result is written: ${JSON.stringify(result.outcome)}`);
  }
  await p.gc();
  await new Promise((r) => setTimeout(r, 300));
  const after = await p.sample();
  const figure = toMiB(total(peak) - total(base));
  writeResult({
    name: 'ingest-heap',
    figure,
    baseline: 0,
    ratio: figure,
    unit: 'MiB',
    goal: '< 64',
    notes: {
      what: `peak − baseline of JS heap + ArrayBuffer backing stores (V8 used size + backingStorageSize, summed over the page and its workers: ${p.targets().join(', ')}) ` +
        `while a real vault ingests a ${toMiB(size)} MiB video/mp4 File (${source === 'file' ? 'picked from disk via <input type=file>' : 'Blob built in the page'}; OPFS store, persistent profile); sampled every 100 ms over CDP ` +
        `(${samples} samples); baseline after a full GC with the vault open and the File built`,
      baselineHeapMiB: { used: toMiB(base.used), backing: toMiB(base.backing) },
      peakHeapMiB: { used: toMiB(peakUsed), backing: toMiB(peakBacking) },
      atPeakMiB: { used: toMiB(peak.used - base.used), backing: toMiB(peak.backing - base.backing) },
      peakJsHeapOnlyGrowthMiB: toMiB(peakUsed - base.used),
      peakGrowthByIsolateMiB: Object.fromEntries(Object.entries(peakBy).map(([k, v]) => [k, toMiB(v)])),
      retainedAfterGcMiB: toMiB(total(after) - total(base)),
      ingestMs: Math.round(result.ms),
      ingestMBps: r1(size / 1e6 / (result.ms / 1000)),
      measuredWith: 'CDP Runtime.getHeapUsage (performance.measureUserAgentSpecificMemory needs cross-origin isolation, which the harness server does not set)',
    },
  });
} finally {
  probe?.close();
  await context.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
}
