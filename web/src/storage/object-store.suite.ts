/**
 * The acceptance suite every ObjectStore must pass: memory and IndexedDB under vitest
 * (object-store.test.ts), OPFS and IndexedDB in real Chromium (e2e/storage.spec.ts).
 * Framework-agnostic: a list of {name, run} cases using core/assert-suite.ts.
 */
import { assertEqual, assertRejects, isRangeError, type SuiteCase } from '../core/assert-suite.ts';
import { equalBytes } from '../core/bytes.ts';
import { isIntegrityError, isQuotaError, isStorageError } from '../core/errors.ts';
import type { ObjectHash } from '../core/ids.ts';
import type { HashFn, ObjectStore } from './object-store.ts';

export interface ObjectStoreSetup {
  /** A short label used in store names (e.g. "opfs"). */
  label: string;
  hash: HashFn;
  /** Opens the store called `name`; opening it again after close() must see the same objects. */
  open(name: string, options?: { quotaBytes?: number }): Promise<ObjectStore>;
  /** Changes one byte of a stored object behind the store's back (a failing disk). */
  tamper(name: string, hash: ObjectHash): Promise<void>;
  /** The store keeps small objects with their records (IndexedDB catalogs): getSmall must return them. */
  inlineSmall?: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Pseudo-random bytes (getRandomValues fills at most 64 KiB per call). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function runObjectStoreTests(setup: ObjectStoreSetup): SuiteCase[] {
  const runId = Math.random().toString(36).slice(2, 8);
  let n = 0;
  const object = async (size: number) => {
    const bytes = randomBytes(size);
    return { bytes, hash: await setup.hash(bytes) };
  };
  /** Runs `body` against a fresh store and closes it (and any reopened one) afterwards. */
  const withStore = (body: (store: ObjectStore, name: string) => Promise<ObjectStore | void>, quotaBytes?: number) => async () => {
    const name = `suite-${setup.label}-${runId}-${++n}`;
    const store = await setup.open(name, quotaBytes === undefined ? undefined : { quotaBytes });
    let last: ObjectStore = store;
    try {
      last = (await body(store, name)) ?? store;
    } finally {
      await last.close();
      if (last !== store) await store.close();
    }
  };
  const c = (name: string, run: () => Promise<void>): SuiteCase => ({ name: `${setup.label}: ${name}`, run });

  return [
    c('put then get returns the same bytes', withStore(async (store) => {
      const a = await object(10 * KiB);
      assertEqual(await store.has(a.hash), false, 'has before put');
      assertEqual(await store.get(a.hash), undefined, 'get before put');
      assertEqual(await store.put(a.hash, a.bytes), 'stored', 'put result');
      assertEqual(await store.has(a.hash), true, 'has after put');
      assertEqual(await store.get(a.hash), a.bytes, 'get after put');
    })),

    c('put is idempotent', withStore(async (store) => {
      const a = await object(4 * KiB);
      await store.put(a.hash, a.bytes);
      assertEqual(await store.put(a.hash, a.bytes), 'present', 'second put');
      const s = await store.stat();
      assertEqual([s.count, s.bytes], [1, a.bytes.length], 'stat after two puts');
    })),

    c('bytes that do not match the hash are refused', withStore(async (store) => {
      const a = await object(1 * KiB);
      const b = await object(1 * KiB);
      await assertRejects(() => store.put(a.hash, b.bytes), isIntegrityError, 'put with a wrong hash');
      assertEqual(await store.has(a.hash), false, 'has after refused put');
      assertEqual((await store.stat()).count + (await store.stat()).pendingCount, 0, 'nothing recorded');
      await assertRejects(() => store.put('not-a-hash' as ObjectHash, a.bytes), isRangeError, 'malformed hash');
      await assertRejects(() => store.get(a.hash.toUpperCase() as ObjectHash), isRangeError, 'uppercase hash');
    })),

    c('corrupt bytes are detected on read, marked corrupt and never returned', withStore(async (store, name) => {
      const a = await object(64 * KiB);
      const other = await object(2 * KiB);
      await store.put(a.hash, a.bytes);
      await store.put(other.hash, other.bytes);
      await setup.tamper(name, a.hash);
      await assertRejects(() => store.get(a.hash), isIntegrityError, 'get of tampered object');
      assertEqual(await store.has(a.hash), false, 'has after corruption');
      assertEqual(await store.get(a.hash), undefined, 'get after corruption');
      assertEqual(await store.getRange(a.hash, 0, 10), undefined, 'range after corruption');
      assertEqual(await collect(store.corrupt()), [a.hash], 'corrupt list');
      const s = await store.stat();
      assertEqual([s.count, s.corruptCount], [1, 1], 'stat counts');
      assertEqual(await store.get(other.hash), other.bytes, 'other object unharmed');
      // Re-fetched from a peer: the good bytes heal it.
      assertEqual(await store.put(a.hash, a.bytes), 'stored', 'put of the good bytes');
      assertEqual(await store.get(a.hash), a.bytes, 'get after repair');
      assertEqual(await collect(store.corrupt()), [], 'corrupt list after repair');
    })),

    c('an unverified read (for a peer that verifies) returns stored bytes as they are; a verified read still condemns a corrupt copy', withStore(async (store, name) => {
      const a = await object(64 * KiB);
      assertEqual(await store.put(a.hash, a.bytes, { verified: true }), 'stored', 'put of bytes the caller verified');
      assertEqual(await store.get(a.hash, { verify: false }), a.bytes, 'unverified read');
      await setup.tamper(name, a.hash);
      const served = await store.get(a.hash, { verify: false });
      assertEqual(served !== undefined && served.length === a.bytes.length && !equalBytes(served, a.bytes), true, 'the corrupt copy is served as is');
      await assertRejects(() => store.get(a.hash), isIntegrityError, 'verified read of the corrupt copy');
      assertEqual(await store.get(a.hash, { verify: false }), undefined, 'condemned: not served any more');
    })),

    c('a small object is read for a peer with its record; a large one says so; an absent or held one is not there', withStore(async (store) => {
      const small = await object(2 * KiB);
      const large = await object(1 * MiB);
      const held = await object(1 * KiB);
      assertEqual(await store.getSmall(small.hash), undefined, 'before put');
      await store.put(small.hash, small.bytes);
      await store.put(large.hash, large.bytes);
      await store.put(held.hash, held.bytes, { stage: true, holdFor: 'suite' });
      const got = await store.getSmall(small.hash);
      if (setup.inlineSmall) assertEqual(got, small.bytes, 'a small object, read with its record');
      else assertEqual(got === 'large' || (got instanceof Uint8Array && equalBytes(got, small.bytes)), true, 'its bytes, or "large" without inline objects');
      assertEqual(await store.getSmall(large.hash), 'large', 'a 1 MiB object is in a file of its own');
      assertEqual(await store.getSmall(held.hash), undefined, 'a held object is not served');
      await store.delete(small.hash);
      assertEqual(await store.getSmall(small.hash), undefined, 'after delete');
    })),

    c('hasMany answers has for each, in order, for hashes of one bucket and for mixed ones', withStore(async (store) => {
      const a = await object(3 * KiB);
      const b = await object(3 * KiB);
      const held = await object(2 * KiB);
      await store.put(a.hash, a.bytes);
      await store.put(b.hash, b.bytes);
      await store.put(held.hash, held.bytes, { stage: true, holdFor: 'suite' });
      // Absent hashes in the same first-byte bucket as `a` (the one-range-read path).
      const near = (h: ObjectHash, i: number) => (h.slice(0, 2) + i.toString(16).padStart(2, '0') + h.slice(4)) as ObjectHash;
      const bucket = [a.hash, ...Array.from({ length: 10 }, (_, i) => near(a.hash, i)).filter((h) => h !== a.hash)];
      assertEqual(await store.hasMany(bucket), bucket.map((h) => h === a.hash), 'one bucket: only the stored one');
      const heldBucket = [...Array.from({ length: 9 }, (_, i) => near(held.hash, i)).filter((h) => h !== held.hash), held.hash];
      assertEqual(await store.hasMany(heldBucket), heldBucket.map(() => false), 'a held object is not there yet');
      assertEqual(await store.hasMany([b.hash, held.hash, a.hash]), [true, false, true], 'mixed buckets');
      assertEqual(await store.hasMany([]), [], 'none');
    })),

    c('delete removes an object and only that one', withStore(async (store) => {
      const a = await object(3 * KiB);
      const b = await object(5 * KiB);
      await store.put(a.hash, a.bytes);
      await store.put(b.hash, b.bytes);
      await store.delete(a.hash);
      assertEqual(await store.has(a.hash), false, 'has after delete');
      assertEqual(await store.get(a.hash), undefined, 'get after delete');
      assertEqual(await store.get(b.hash), b.bytes, 'the other object');
      assertEqual(await collect(store.list()), [b.hash], 'list after delete');
      await store.delete(a.hash);
      assertEqual((await store.stat()).bytes, b.bytes.length, 'bytes after delete');
      assertEqual(await store.put(a.hash, a.bytes), 'stored', 'put after delete writes again');
    })),

    c('list yields every complete object once', withStore(async (store) => {
      const objs = await Promise.all(Array.from({ length: 25 }, (_, i) => object(100 + i)));
      for (const o of objs) await store.put(o.hash, o.bytes);
      const listed = await collect(store.list());
      assertEqual([...listed].sort(), objs.map((o) => o.hash).sort(), 'listed hashes');
    })),

    c('stat counts objects and bytes', withStore(async (store) => {
      const empty = await store.stat();
      assertEqual([empty.count, empty.bytes, empty.pendingCount, empty.corruptCount], [0, 0, 0, 0], 'empty store');
      const sizes = [1, 1000, 65536, 70000];
      for (const size of sizes) {
        const o = await object(size);
        await store.put(o.hash, o.bytes);
      }
      const s = await store.stat();
      assertEqual([s.count, s.bytes], [sizes.length, sizes.reduce((x, y) => x + y, 0)], 'after puts');
    })),

    c('a write over quota is refused before anything is written', withStore(async (store) => {
      const a = await object(1000);
      const b = await object(1000);
      await store.put(a.hash, a.bytes);
      await store.put(b.hash, b.bytes);
      const big = await object(1500);
      await assertRejects(() => store.put(big.hash, big.bytes), isQuotaError, 'put over quota');
      await assertRejects(() => store.put(big.hash, big.bytes, { stage: true }), isQuotaError, 'staged put over quota');
      assertEqual(await store.has(big.hash), false, 'refused object absent');
      const s = await store.stat();
      assertEqual([s.count, s.bytes, s.pendingBytes, s.quotaBytes], [2, 2000, 0, 3000], 'stat after refusal');
      assertEqual(await store.get(a.hash), a.bytes, 'existing object a intact');
      assertEqual(await store.get(b.hash), b.bytes, 'existing object b intact');
      const fits = await object(1000);
      assertEqual(await store.put(fits.hash, fits.bytes), 'stored', 'exactly filling the quota');
      assertEqual(await store.put(a.hash, a.bytes), 'present', 'idempotent put when full');
    }, 3000)),

    c('an 8 MiB object round-trips, whole and in ranges', withStore(async (store) => {
      const a = await object(8 * MiB);
      await store.put(a.hash, a.bytes);
      assertEqual(await store.get(a.hash), a.bytes, '8 MiB get');
      assertEqual(await store.getRange(a.hash, 3 * MiB + 7, 256 * KiB), a.bytes.subarray(3 * MiB + 7, 3 * MiB + 7 + 256 * KiB), 'middle range');
      assertEqual(await store.getRange(a.hash, 8 * MiB - 10, 100), a.bytes.subarray(8 * MiB - 10), 'range clipped at the end');
      assertEqual((await store.getRange(a.hash, 8 * MiB + 5, 10))?.length, 0, 'range past the end');
    })),

    c('a range read of an unverified object verifies it first', withStore(async (store, name) => {
      const a = await object(32 * KiB);
      await store.put(a.hash, a.bytes);
      await setup.tamper(name, a.hash);
      await assertRejects(() => store.getRange(a.hash, 0, 16), isIntegrityError, 'range of tampered object');
    })),

    c('concurrent reads of one object all return it, and a delete beside them still lands', withStore(async (store) => {
      // On OPFS in Chromium reads go through shared read-only handles: several at once must
      // not lock each other out, and a delete waits for them rather than failing.
      const a = await object(MiB);
      await store.put(a.hash, a.bytes);
      const reads = await Promise.all([
        ...Array.from({ length: 6 }, () => store.get(a.hash, { verify: false })),
        ...Array.from({ length: 6 }, (_, i) => store.getRange(a.hash, i * 1000, 5000)),
      ]);
      reads.slice(0, 6).forEach((r, i) => assertEqual(r, a.bytes, `concurrent read ${i}`));
      reads.slice(6).forEach((r, i) => assertEqual(r, a.bytes.subarray(i * 1000, i * 1000 + 5000), `concurrent range ${i}`));
      const [during] = await Promise.all([store.get(a.hash, { verify: false }), store.delete(a.hash)]);
      if (during !== undefined) assertEqual(during, a.bytes, 'a read beside the delete returns the object or nothing');
      assertEqual(await store.has(a.hash), false, 'deleted');
      assertEqual(await store.get(a.hash), undefined, 'gone after the delete');
    })),

    c('bytes handed over to the store are stored as they were', withStore(async (store) => {
      const a = await object(MiB + 18);
      const given = a.bytes.slice();
      await store.put(a.hash, given, { verified: true, handOver: true });
      assertEqual(await store.get(a.hash), a.bytes, 'stored bytes');
      // A view into a larger buffer (one frame's data, as the receiver keeps a one-frame object).
      const b = await object(4 * KiB);
      const frame = new Uint8Array(40 + b.bytes.length);
      frame.set(b.bytes, 40);
      await store.put(b.hash, frame.subarray(40), { verified: true, handOver: true });
      assertEqual(await store.get(b.hash), b.bytes, 'stored bytes of a view');
    })),

    c('concurrent puts all land, duplicates once', withStore(async (store) => {
      const objs = await Promise.all(Array.from({ length: 16 }, () => object(20 * KiB)));
      const dup = objs[0]!;
      const results = await Promise.all([
        ...objs.map((o) => store.put(o.hash, o.bytes)),
        ...Array.from({ length: 4 }, () => store.put(dup.hash, dup.bytes)),
      ]);
      assertEqual(results.filter((r) => r === 'stored').length, 16, 'stored exactly once each');
      const s = await store.stat();
      assertEqual([s.count, s.bytes, s.pendingCount], [16, 16 * 20 * KiB, 0], 'stat');
      for (const o of objs) assertEqual(await store.get(o.hash), o.bytes, 'each object');
    })),

    c('concurrent puts past the quota: the ones that fit land, the others are refused and leave nothing', withStore(async (store) => {
      // Twelve 1 KiB objects at once into 8 KiB: reservations share transactions (IdbCatalog's
      // group commit), and a refused one must neither take its neighbours down nor count.
      const objs = await Promise.all(Array.from({ length: 12 }, () => object(KiB)));
      const results = await Promise.allSettled(objs.map((o) => store.put(o.hash, o.bytes)));
      const stored = results.filter((r) => r.status === 'fulfilled' && r.value === 'stored').length;
      const refused = results.filter((r) => r.status === 'rejected' && isQuotaError(r.reason)).length;
      assertEqual([stored, refused], [8, 4], 'stored and refused');
      const s = await store.stat();
      assertEqual([s.count, s.bytes, s.pendingCount, s.pendingBytes], [8, 8 * KiB, 0, 0], 'stat');
      for (const [i, o] of objs.entries()) {
        const r = results[i]!;
        assertEqual(await store.has(o.hash), r.status === 'fulfilled', `object ${i} present exactly when stored`);
      }
    }, 8 * KiB)),

    c('objects survive close and reopen', withStore(async (store, name) => {
      const objs = [await object(1), await object(1 * MiB), await object(77 * KiB)];
      for (const o of objs) await store.put(o.hash, o.bytes);
      const before = await store.stat();
      await store.close();
      await assertRejects(() => store.get(objs[0]!.hash), isStorageError, 'get on a closed store');
      const again = await setup.open(name);
      for (const o of objs) assertEqual(await again.get(o.hash), o.bytes, 'object after reopen');
      assertEqual(await again.stat(), before, 'stat after reopen');
      return again;
    })),

    c('staged objects stay invisible and are swept once their session is gone', withStore(async (store, name) => {
      const kept = await object(2 * KiB);
      const staged = await object(6 * KiB);
      await store.put(kept.hash, kept.bytes);
      assertEqual(await store.put(staged.hash, staged.bytes, { stage: true }), 'stored', 'staged put');
      assertEqual(await store.has(staged.hash), false, 'staged object is not visible');
      assertEqual(await store.get(staged.hash), undefined, 'staged object is not readable');
      assertEqual(await collect(store.list()), [kept.hash], 'list shows only complete objects');
      let s = await store.stat();
      assertEqual([s.count, s.pendingCount, s.pendingBytes], [1, 1, staged.bytes.length], 'stat while staged');
      assertEqual((await store.sweepOrphans()).objects, 0, 'own session is alive: nothing swept');
      await store.close();
      const again = await setup.open(name);
      await again.sweepOrphans();
      s = await again.stat();
      assertEqual([s.count, s.pendingCount, s.pendingBytes], [1, 0, 0], 'stat after sweep');
      assertEqual(await again.get(kept.hash), kept.bytes, 'complete object kept');
      assertEqual(await again.put(staged.hash, staged.bytes), 'stored', 'staged object was removed');
      return again;
    })),

    c('held objects outlive their session until their holder releases them', withStore(async (store, name) => {
      const small = await object(3 * KiB);
      const large = await object(200 * KiB);
      const other = await object(4 * KiB);
      for (const o of [small, large]) assertEqual(await store.put(o.hash, o.bytes, { stage: true, holdFor: 'upload-1' }), 'stored', 'held put');
      await store.put(other.hash, other.bytes, { stage: true, holdFor: 'upload-2' });
      assertEqual(await store.has(small.hash), false, 'a held object is not visible');
      assertEqual(await store.get(small.hash), undefined, 'nor readable by a plain get');
      assertEqual(await collect(store.list()), [], 'nor listed');
      await store.close();
      // The page that held them is gone: another one's orphan sweep keeps them.
      const again = await setup.open(name);
      assertEqual((await again.sweepOrphans()).objects, 0, 'held objects are not orphans');
      assertEqual(await again.get(large.hash, { held: true }), large.bytes, 'read back for its holder, verified');
      assertEqual((await collect(again.held())).map((h) => `${h.holder}`).sort(), ['upload-1', 'upload-1', 'upload-2'], 'held() lists each with its holder');
      assertEqual(await again.releaseHeld(small.hash, 'upload-2'), false, 'another holder cannot release it');
      assertEqual(await again.releaseHeld(small.hash, 'upload-1'), true, 'its holder releases it');
      assertEqual(await again.releaseHeld(large.hash, 'upload-1'), true, 'a large one too');
      assertEqual(await again.get(large.hash, { held: true }), undefined, 'released: gone');
      await again.put(other.hash, other.bytes); // stored again as a complete object: no longer held
      assertEqual(await again.releaseHeld(other.hash, 'upload-2'), false, 'a complete object is never released');
      assertEqual(await again.get(other.hash), other.bytes, 'and stays');
      const s = await again.stat();
      assertEqual([s.count, s.pendingCount], [1, 0], 'nothing left pending');
      return again;
    })),
  ];
}
