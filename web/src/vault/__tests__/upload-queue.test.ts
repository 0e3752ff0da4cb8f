/**
 * The upload queue over a real spool (fake-indexeddb) and the real crypto API: a queue stopped
 * halfway (the page reloaded) is taken up by the next one, every file comes back exactly as it
 * was picked, none twice, and the spool never holds a file's bytes or its name in the clear.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { directApi as crypto } from '../../crypto/api.ts';
import { storageNames } from '../../storage/layout.ts';
import { UploadSpool } from '../../storage/upload-spool.ts';
import type { FileOutcome } from '../ingest.ts';
import { UploadQueue } from '../upload-queue.ts';
import { createIdentity } from '../../crypto/identity.ts';
import { sealShared, SHARE_SEAL_ID, SHARED_ALBUM } from '../share-inbox.ts';

let n = 0;
const spools: UploadSpool[] = [];
afterEach(() => spools.splice(0).forEach((s) => s.close()));

const JPEG_START = [0xff, 0xd8, 0xff, 0xe0];
function photo(i: number, size: number): File {
  const b = new Uint8Array(size);
  b.set(JPEG_START);
  for (let k = 4; k < size; k++) b[k] = (k * 31 + i * 7) & 255;
  return new File([b], `IMG_${i}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 5, 1) + i * 1000 });
}

async function bytes(f: Blob): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

/** A queue over the named spool whose ingest records what it got; `gate` holds each file until released. */
async function queueOn(name: string, albumKey: Uint8Array, gate?: () => Promise<void>, fail?: (file: File) => FileOutcome | undefined) {
  const spool = await UploadSpool.open(name);
  spools.push(spool);
  const got: File[] = [];
  const lines: string[] = [];
  const q = new UploadQueue({
    crypto, spool, log: (l) => lines.push(l),
    keys: { current: () => ({ key: albumKey, epoch: 1 }), ofEpoch: (_a, e) => (e === 1 ? albumKey : undefined) },
    ingest: async (_album, file): Promise<FileOutcome> => {
      await gate?.();
      got.push(file);
      const failed = fail?.(file);
      if (failed) return failed;
      return { name: file.name, status: 'added', photo: `p-${file.name}` as never };
    },
  });
  return { q, spool, got, lines };
}

describe('upload queue', () => {
  it('a queue cut off halfway is resumed by the next page: every file once, as picked', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    const files = Array.from({ length: 6 }, (_, i) => photo(i, 1000 + i * 300_000)); // up to 1.5 MB: two chunks
    let release!: () => void;
    let processed = 0;
    const first = await queueOn(name, albumKey, async () => {
      if (++processed > 2) await new Promise<void>((r) => (release = r));
    });
    const done = first.q.add('album-a', files);
    // All six saved before the page starts on the third; then "the page reloads".
    for (let i = 0; i < 200 && !(first.got.length === 2 && first.q.state.waiting === 4); i++) await new Promise((r) => setTimeout(r, 10));
    expect(first.got.map((f) => f.name)).toEqual(['IMG_0.jpg', 'IMG_1.jpg']);
    expect((await first.spool.list()).length).toBe(4);
    const stopped = first.q.stop();
    release(); // the file in progress finishes (the session waits for it), the rest stay
    await stopped;
    const outcomes = await done;
    expect(outcomes.filter((o) => o.status === 'added')).toHaveLength(3);
    expect(outcomes.slice(3).every((o) => o.status === 'failed' && /added when you unlock again/.test(o.reason))).toBe(true);
    first.spool.close();

    // Nothing in the spool is readable: neither a file's bytes nor its name.
    const raw = await openDB(storageNames(name).uploadsDb);
    const dump: Uint8Array[] = [];
    for (const store of ['entries', 'parts'] as const) {
      for (const v of await raw.getAll(store)) dump.push(v instanceof ArrayBuffer ? new Uint8Array(v) : new TextEncoder().encode(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x))));
    }
    raw.close();
    const hay = dump.map((d) => new TextDecoder('latin1').decode(d)).join('\n');
    expect(hay).not.toContain('IMG_');
    const sample = new TextDecoder('latin1').decode((await bytes(files[4]!)).subarray(100, 164));
    expect(hay).not.toContain(sample);

    // The next page: the three left come out once each, byte for byte, with name, type and date.
    const second = await queueOn(name, albumKey);
    const resumedEvents: string[] = [];
    second.q.on('file', (o) => resumedEvents.push(`${o.name}:${o.status}:${o.resumed}`));
    expect(await second.q.resume()).toBe(3);
    for (let i = 0; i < 500 && resumedEvents.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(second.got.map((f) => f.name)).toEqual(['IMG_3.jpg', 'IMG_4.jpg', 'IMG_5.jpg']);
    for (const [k, f] of second.got.entries()) {
      const src = files[k + 3]!;
      expect(Buffer.from(await bytes(f)).equals(await bytes(src)), `${src.name}: the same bytes`).toBe(true);
      expect([f.type, f.lastModified, f.size]).toEqual([src.type, src.lastModified, src.size]);
    }
    expect(resumedEvents).toEqual(['IMG_3.jpg:added:true', 'IMG_4.jpg:added:true', 'IMG_5.jpg:added:true']);
    expect(await second.spool.list()).toEqual([]);
  });

  it('drops a file whose saving a reload cut short, keeps the complete ones, and saves no refused file', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    const spool = await UploadSpool.open(name);
    spools.push(spool);
    // A save cut short: an entry whose parts never all arrived.
    async function* cut() {
      yield { bytes: new Uint8Array(10) };
      throw new Error('page went away');
    }
    await expect(spool.add('album-a', new Uint8Array(1), cut())).rejects.toThrow();
    const q = await queueOn(name, albumKey);
    const outcomes = await q.q.add('album-a', [new File(['not a photo'], 'notes.txt', { type: 'text/plain' }), photo(9, 5000)]);
    expect(outcomes.map((o) => o.name)).toEqual(['notes.txt', 'IMG_9.jpg']);
    expect(q.got.map((f) => f.name)).toEqual(['notes.txt', 'IMG_9.jpg']); // the ingest refuses it, in order
    expect(await q.spool.list()).toEqual([]);
    expect(await q.spool.sweep()).toBe(0);
  });

  it('pauses after the file in progress, goes on when told, and lists every file with its state', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    let release!: () => void;
    let entered = 0;
    const { q, got, spool } = await queueOn(name, albumKey, async () => {
      if (++entered === 1) await new Promise<void>((r) => (release = r));
    });
    const states: string[] = [];
    q.on('state', (st) => states.push(st.files.map((f) => `${f.name}:${f.status}`).join(',')));
    const done = q.add('album-a', [photo(1, 3000), photo(2, 3000), photo(3, 3000)]);
    for (let i = 0; i < 1000 && entered === 0; i++) await new Promise((r) => setTimeout(r, 10));
    q.setPaused(true);
    expect(q.state.paused).toBe(true);
    release(); // the first file finishes; the others wait
    for (let i = 0; i < 1000 && q.state.done < 1; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((f) => f.name)).toEqual(['IMG_1.jpg']);
    expect(q.state).toMatchObject({ waiting: 2, done: 1, total: 3, paused: true });
    expect(q.state.files.map((f) => f.status)).toEqual(['added', 'waiting', 'waiting']);
    expect((await spool.list()).length).toBe(2); // the waiting files are kept, encrypted
    // Added while paused: saved and listed, not started.
    const later = q.add('album-a', [photo(4, 3000)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(1);
    expect(q.state.files.map((f) => f.name)).toEqual(['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg']);
    q.setPaused(false);
    expect((await done).map((o) => o.status)).toEqual(['added', 'added', 'added']);
    await later;
    expect(got.map((f) => f.name)).toEqual(['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg', 'IMG_4.jpg']);
    expect(q.state).toMatchObject({ waiting: 0, done: 4, total: 4, paused: false });
    expect(states).toContain('IMG_1.jpg:added,IMG_2.jpg:adding,IMG_3.jpg:waiting,IMG_4.jpg:waiting');
    expect(await spool.list()).toEqual([]);
  });

  it('keeps a file that failed for a passing reason until it is retried (or the next page tries it), and drops it when discarded', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    let flaky = true;
    const fail = (f: File): FileOutcome | undefined => {
      if (f.name === 'IMG_2.jpg' && flaky) return { name: f.name, status: 'failed', reason: 'these photos could not be saved on this device', retryable: true };
      if (f.name === 'IMG_3.jpg') return { name: f.name, status: 'failed', reason: 'Not enough space', retryable: false };
      return undefined;
    };
    const first = await queueOn(name, albumKey, undefined, fail);
    const outcomes = await first.q.add('album-a', [photo(1, 3000), photo(2, 3000), photo(3, 3000)]);
    expect(outcomes.map((o) => o.status)).toEqual(['added', 'failed', 'failed']);
    const rows = first.q.state.files;
    expect(rows.map((r) => [r.name, r.status, r.retryable ?? false])).toEqual([
      ['IMG_1.jpg', 'added', false], ['IMG_2.jpg', 'failed', true], ['IMG_3.jpg', 'failed', false],
    ]);
    expect(rows[1]!.reason).toMatch(/could not be saved/);
    expect((await first.spool.list()).length).toBe(1); // only the retryable one keeps its copy

    // The next page (a reload) takes up the kept copy by itself.
    flaky = true;
    const second = await queueOn(name, albumKey, undefined, fail);
    const events: string[] = [];
    second.q.on('file', (o) => events.push(`${o.name}:${o.status}`));
    expect(await second.q.resume()).toBe(1);
    for (let i = 0; i < 300 && events.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['IMG_2.jpg:failed']);
    const [again] = second.q.state.files;
    expect(again).toMatchObject({ name: 'IMG_2.jpg', status: 'failed', retryable: true });
    // A new batch keeps the failed file listed.
    await second.q.add('album-a', [photo(5, 3000)]);
    expect(second.q.state.files.map((f) => `${f.name}:${f.status}`)).toEqual(['IMG_2.jpg:failed', 'IMG_5.jpg:added']);
    // Retry: it passes now, once, and its copy goes.
    flaky = false;
    expect(second.q.retry([again!.key])).toBe(1);
    expect(second.q.retry([again!.key])).toBe(0); // already on its way
    for (let i = 0; i < 300 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['IMG_2.jpg:failed', 'IMG_5.jpg:added', 'IMG_2.jpg:added']);
    expect(second.got.filter((f) => f.name === 'IMG_2.jpg')).toHaveLength(2);
    expect(second.q.state.files.map((f) => `${f.name}:${f.status}`)).toEqual(['IMG_2.jpg:added']);
    expect(await second.spool.list()).toEqual([]);

    // Discard: a failed file given up on is gone from the list and from the spool.
    flaky = true;
    const third = await queueOn(`uq-${++n}`, albumKey, undefined, fail);
    await third.q.add('album-a', [photo(2, 3000)]);
    expect((await third.spool.list()).length).toBe(1);
    await third.q.discard([third.q.state.files[0]!.key]);
    expect(third.q.state.files).toEqual([]);
    expect(await third.spool.list()).toEqual([]);
    expect(third.q.retry()).toBe(0);
  });

  it('a file shared while locked is sealed for the member, waits for an album, and only the member\'s box secret opens it', async () => {
    const name = `uq-${++n}`;
    const albumKey = await crypto.newAlbumKey();
    const member = createIdentity();
    const stranger = createIdentity();
    const spool = await UploadSpool.open(name);
    spools.push(spool);
    const file = photo(7, 400_000);
    await sealShared(crypto, spool, member.boxPublic, file);
    const [entry] = await spool.list();
    expect(entry!.album).toBe(SHARED_ALBUM);
    expect(new TextDecoder('latin1').decode(entry!.header)).not.toContain('IMG_7');

    const open = (id: typeof member) => async (sealed: Uint8Array) => (await crypto.openAlbumKey(id.boxSecret, sealed, { albumId: SHARE_SEAL_ID, epoch: 0 })).albumKey;
    const make = (id: typeof member) => {
      const got: File[] = [];
      const events: string[] = [];
      const q = new UploadQueue({
        crypto, spool, log: () => undefined, openSharedKey: open(id),
        keys: { current: () => ({ key: albumKey, epoch: 1 }), ofEpoch: () => albumKey },
        ingest: async (_a, f): Promise<FileOutcome> => { got.push(f); return { name: f.name, status: 'added', photo: 'p' as never }; },
      });
      q.on('file', (o) => events.push(`${o.album}:${o.name}:${o.status}`));
      return { q, got, events };
    };
    // Not resumed into an album by itself.
    const a = make(member);
    expect(await a.q.resume()).toBe(0);
    expect(await a.q.sharedWaiting()).toBe(1);
    // The member's queue opens it, byte for byte, into the album chosen.
    const c = make(member);
    expect(await c.q.addShared('album-b')).toBe(1);
    for (let i = 0; i < 300 && c.events.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.events).toEqual(['album-b:IMG_7.jpg:added']);
    expect(Buffer.from(await bytes(c.got[0]!)).equals(await bytes(file))).toBe(true);
    expect(await spool.list()).toEqual([]);
    // Another identity cannot open one: it fails as undecryptable and goes, nothing is ingested.
    await sealShared(crypto, spool, member.boxPublic, photo(8, 1000));
    const b = make(stranger);
    expect(await b.q.addShared('album-x')).toBe(1);
    for (let i = 0; i < 300 && b.events.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(b.got).toEqual([]);
    expect(b.events[0]).toMatch(/^album-x:a shared photo:failed$/);
    expect(await spool.list()).toEqual([]);
  });
});
