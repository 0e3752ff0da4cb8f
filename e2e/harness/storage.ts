/**
 * Storage harness: runs the object store acceptance suite against OPFS and IndexedDB in real
 * Chromium, and the steps of the restart, crash and persistence tests. Driven by
 * e2e/storage.spec.ts through window.fvStorage; every function returns plain data.
 */
import { runCases, type CaseResult } from './run-cases.ts';
import type { AlbumId, ObjectHash, PhotoId } from '../../web/src/core/ids.ts';
import { hashObject } from '../../web/src/crypto/stream.ts';
import { commitPhoto, stageObjects, type ObjectToStage } from '../../web/src/storage/commit.ts';
import { openIndex } from '../../web/src/storage/index-db.ts';
import type { PhotoRecord } from '../../web/src/storage/index-schema.ts';
import { randomBytes, runObjectStoreTests } from '../../web/src/storage/object-store.suite.ts';
import type { ObjectStore, StoreKind } from '../../web/src/storage/object-store.ts';
import { openObjectStore } from '../../web/src/storage/open-store.ts';
import { requestPersistence, usage } from '../../web/src/storage/quota.ts';
import { opfsObjectExists, opfsTempNames, tamperIdbObject, tamperOpfsObject } from '../../web/src/storage/test-hooks.ts';

const MiB = 1024 * 1024;
const album = 'album-harness' as AlbumId;

/** Opens a store and insists it really is `kind`: a silent fallback would test the wrong thing. */
async function open(name: string, kind: StoreKind, extra?: { quotaBytes?: number; sweep?: boolean; inlineMaxBytes?: number }): Promise<ObjectStore> {
  const store = await openObjectStore({ name, hash: hashObject, preferred: kind, ...extra });
  if (store.kind !== kind) {
    await store.close();
    throw new Error(`asked for ${kind}, got ${store.kind}`);
  }
  return store;
}

/**
 * The acceptance suite over `kind`; `inline`: small objects kept in the index beside their
 * record, as the app stores them; without, every object goes to the backend (so its own reads,
 * writes and sweeps are tested with the suite's small objects too).
 */
function suite(kind: 'opfs' | 'idb', inline = false): Promise<CaseResult[]> {
  return runCases(runObjectStoreTests({
    label: `${kind}${inline ? '-inline' : ''}`,
    hash: hashObject,
    open: (name, options) => open(name, kind, { ...options, ...(inline ? {} : { inlineMaxBytes: 0 }) }),
    tamper: kind === 'opfs' ? tamperOpfsObject : tamperIdbObject,
  }));
}

async function makeObjects(count: number, size: number): Promise<ObjectToStage[]> {
  return Promise.all(Array.from({ length: count }, async () => {
    const bytes = randomBytes(size);
    return { hash: await hashObject(bytes), bytes };
  }));
}

function photoOf(id: string, objs: ObjectToStage[]): PhotoRecord {
  const [manifest, thumb, meta, ...chunks] = objs.map((o) => o.hash);
  return { id: id as PhotoId, album, state: 'active', objects: { manifest: manifest!, thumb: thumb!, meta: meta!, chunks }, addedAt: Date.now(), fileId: new Uint8Array(16), wrappedKey: new Uint8Array(66), epoch: 0 };
}

/** Fingerprint of bytes, so Node can compare without shipping megabytes through evaluate. */
const digest = async (b: Uint8Array) => hashObject(b);

/** Before a restart: one committed photo of 4 objects (3 MiB of chunks). */
async function writeCommitted(name: string): Promise<{ hashes: ObjectHash[]; kind: StoreKind }> {
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: hashObject, index });
  const objs = await makeObjects(4, MiB);
  await stageObjects(store, objs);
  await commitPhoto(index, photoOf('photo-1', objs));
  const kind = store.kind;
  await store.close();
  index.close();
  return { hashes: objs.map((o) => o.hash), kind };
}

/** After the restart: every object reads back verified, and the photo is there. */
async function readCommitted(name: string, hashes: ObjectHash[]) {
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: hashObject, index });
  const read = await Promise.all(hashes.map(async (h) => {
    const b = await store.get(h);
    return b ? await digest(b) : undefined;
  }));
  const result = { kind: store.kind, read, stat: await store.stat(), photos: (await index.photosInAlbum(album)).map((p) => p.id) };
  await store.close();
  index.close();
  return result;
}

/**
 * Before a crash: stages one photo's objects and leaves a second batch being written when the
 * browser is killed. Nothing is committed. The stores stay open: the process dies with them.
 */
let inFlightError: string | undefined;
async function stageThenHang(name: string): Promise<{ staged: ObjectHash[]; inFlight: ObjectHash[] }> {
  const index = await openIndex(name);
  const store = await openObjectStore({ name, hash: hashObject, index });
  if (store.kind !== 'opfs') throw new Error(`expected OPFS, got ${store.kind}`);
  const staged = await makeObjects(5, MiB);
  await stageObjects(store, staged);
  const inFlight = await makeObjects(24, 2 * MiB);
  // Still writing when the browser is killed. An error here would mean the test never got to
  // crash mid-write; it is reported through inFlightError for the spec to show.
  void stageObjects(store, inFlight).catch((e: unknown) => (inFlightError = String(e)));
  return { staged: staged.map((o) => o.hash), inFlight: inFlight.map((o) => o.hash) };
}

/** After the crash: what the dead session left, then what the sweep removes. */
async function inspectAndSweep(name: string, hashes: ObjectHash[]) {
  const index = await openIndex(name);
  const look = async () => ({
    states: await Promise.all(hashes.map(async (h) => (await index.db.get('objects', h))?.state ?? 'absent')),
    files: await Promise.all(hashes.map((h) => opfsObjectExists(name, h))),
    temp: (await opfsTempNames(name)).length,
    photos: (await index.photosInAlbum(album)).length,
  });
  const before = await look();
  const store = await openObjectStore({ name, hash: hashObject, index, sweep: false });
  const visible = await Promise.all(hashes.map((h) => store.has(h)));
  const report = await store.sweepOrphans();
  const after = await look();
  const stat = await store.stat();
  await store.close();
  index.close();
  return { before, visible, report, after, stat };
}

/** requestPersistence and usage, with one 1 MiB object stored so the store's own numbers show. */
async function persistence(name: string) {
  const store = await open(name, 'opfs');
  const [obj] = await makeObjects(1, MiB);
  await store.put(obj!.hash, obj!.bytes);
  const result = { granted: await requestPersistence(), usage: await usage(store) };
  await store.close();
  return result;
}

/**
 * With the origin's quota shrunk (by the spec, over CDP): a write the browser itself refuses
 * becomes QuotaError, and what was stored before is unharmed.
 */
async function browserQuota(name: string, kind: 'opfs' | 'idb') {
  const store = await open(name, kind);
  const [small] = await makeObjects(1, 100 * 1024);
  await store.put(small!.hash, small!.bytes);
  const [big] = await makeObjects(1, 16 * MiB);
  let refusal: string | undefined;
  try {
    await store.put(big!.hash, big!.bytes);
  } catch (e) {
    refusal = e instanceof Error ? e.name : String(e);
  }
  const smallRead = await store.get(small!.hash);
  const result = {
    refusal, stat: await store.stat(), bigPresent: await store.has(big!.hash),
    smallIntact: smallRead !== undefined && (await digest(smallRead)) === small!.hash,
  };
  await store.close();
  return result;
}

Object.assign(window, {
  fvStorage: { suite, writeCommitted, readCommitted, stageThenHang, inspectAndSweep, persistence, browserQuota, inFlightError: () => inFlightError },
});
