/**
 * unlock-100k: ms from the passphrase to the first screen of decoded thumbnails in the real family
 * app (e2e/harness/bench-unlock.ts: fv-app over AppController and a real VaultSession), for a
 * vault of 100,000 photos in 20 albums and one of 10,000, built in the same run in the same
 * browser. ratio = 100k ÷ 10k (goal ≤ 1.5: unlock reads the album snapshot, not every op, so it
 * must not grow with the library); figure = the 100k time (goal < 1500 ms). Each photo has its
 * own file key wrapped under its album's key and its own signed, sealed op. Also reported: when
 * the whole library is in memory (libraryMs), the long tasks until then, and the heap after (JS
 * heap + ArrayBuffers over the page and its workers, after a GC).
 *
 * FV_UNLOCK_PHOTOS=N changes the large vault's size (default 100000); FV_UNLOCK_NO_SNAPSHOT=1
 * also measures each unlock without its snapshot (every op opened, as before the snapshot).
 * FV_UNLOCK_DIR=DIR keeps the browser profile with its built vaults there and reuses it in the next
 * run (the 100k build takes minutes); FV_UNLOCK_CPUPROFILE=FILE saves a CPU profile of the page's
 * main thread over the last measured unlock (FV_HARNESS_MINIFY=0 keeps function names).
 */
import { openAppBench } from './support/app-bench.ts';
import { writeResult } from './support/harness.ts';

const LARGE = Number(process.env.FV_UNLOCK_PHOTOS ?? 100_000);
const SMALL = Math.min(10_000, LARGE);
const ALBUMS = 20;
const noSnapshotToo = process.env.FV_UNLOCK_NO_SNAPSHOT === '1';

const bench = await openAppBench('unlock', { keep: process.env.FV_UNLOCK_DIR });
try {
  const sizes = [SMALL, LARGE].filter((n, i, a) => a.indexOf(n) === i);
  const built: Record<number, string> = {};
  for (const n of sizes) built[n] = (await bench.library(String(n), { photos: n, albums: ALBUMS, withObjects: 400 })).vaultId;
  const results: Record<string, unknown> = {};
  const ms: Record<number, number> = {};
  for (const n of sizes) {
    // A first unlock after the build, then the measured one (the build's page had the whole library in memory).
    const warm = await bench.unlock(built[n]!);
    await bench.lock();
    const r = await bench.unlock(built[n]!, n === LARGE ? process.env.FV_UNLOCK_CPUPROFILE : undefined);
    const heapMiB = await bench.heapMiB();
    await bench.lock();
    ms[n] = r.ms;
    results[`${n}`] = { ...r, heapMiB, firstAfterBuildMs: warm.ms };
    console.error(`[unlock] ${n}: ${r.ms} ms to ${r.cells} decoded thumbnails, whole library at ${r.libraryMs} ms, longest task ${r.longTasks[0]?.ms ?? 0} ms${r.longTasks[0] ? ` at ${r.longTasks[0].at} ms` : ''}, heap after ${heapMiB} MiB (first after build ${warm.ms} ms); ${JSON.stringify(r.where)}`);
    if (noSnapshotToo) {
      await bench.open();
      const dropped = await bench.call<number>('dropSnapshots', built[n]!);
      const cold = await bench.unlock(built[n]!);
      await bench.lock();
      (results[`${n}`] as Record<string, unknown>).withoutSnapshot = { ...cold, snapshotsDropped: dropped };
      console.error(`[unlock] ${n} without its snapshot: ${cold.ms} ms (whole library ${cold.libraryMs} ms)`);
    }
  }
  writeResult({
    name: 'unlock-100k',
    figure: ms[LARGE]!,
    baseline: ms[SMALL]!,
    ratio: Math.round((ms[LARGE]! / ms[SMALL]!) * 100) / 100,
    unit: 'ms',
    goal: `figure < 1500 ms; ratio (${LARGE} / ${SMALL}) <= 1.5`,
    notes: {
      figure: `${LARGE} photos in ${ALBUMS} albums: the passphrase typed into the real unlock screen and Unlock pressed, until every timeline cell in view (412x915) shows its decoded thumbnail`,
      baseline: `the same for ${SMALL} photos in the same run and browser: unlock should not grow with the library (ratio = ${LARGE} / ${SMALL})`,
      library: 'libraryMs: from the same click until the whole stored library is applied (VaultSession.restoring false): the first screen comes from the sealed timeline head (the newest 300 photos\' ops), the rest is replayed behind it, one album per task',
      fixture: 'each photo with its own file key wrapped under its album key and its own signed, sealed op (VaultSession.recordPhotos); the newest 400 with real sealed thumbnails and metadata; the real passphrase KDF (Argon2id 64 MiB x 7, in the crypto worker: unlockWithPassphrase in `where`)',
      results,
    },
  });
} finally {
  await bench.close();
}
