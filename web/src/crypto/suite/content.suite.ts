/** Albums, file keys, objects, manifests, metadata and signed ops, through a CryptoApi. */
import { assert, assertEqual, assertRejects, isRangeError, isTypeError, type SuiteCase } from '../../core/assert-suite.ts';
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { isDecryptError, isIntegrityError, isVersionError } from '../../core/errors.ts';
import type { CryptoApi } from '../api-types.ts';
import { X25519_LOW_ORDER } from './vectors.ts';
import { seq } from './util.ts';

export function contentCases(api: CryptoApi): SuiteCase[] {
  return [
    {
      name: 'album key: sealed to a member opens for that member only',
      async run() {
        const alice = await api.createIdentity();
        const bob = await api.createIdentity();
        const albumId = await api.newAlbumId();
        const key = await api.newAlbumKey();
        const sealed = await api.sealAlbumKey(alice.boxPublic, key, albumId, 7);
        assertEqual(sealed.length, 102);
        assertEqual(await api.readSealedAlbumKey(sealed), { albumId, epoch: 7 });
        assertEqual(await api.openAlbumKey(alice.boxSecret, sealed, { albumId, epoch: 7 }), { albumId, epoch: 7, albumKey: key });
        await assertRejects(() => api.openAlbumKey(bob.boxSecret, sealed), isDecryptError, 'wrong member');
        await assertRejects(() => api.openAlbumKey(alice.boxSecret, sealed, { epoch: 8 }), isIntegrityError, 'other epoch');
        await assertRejects(() => api.openAlbumKey(alice.boxSecret, sealed, { albumId: seq(16) }), isIntegrityError, 'other album');
      },
    },
    {
      name: 'album key: low-order recipient refused (RangeError); low-order ephemeral in a seal is a DecryptError',
      async run() {
        const alice = await api.createIdentity();
        const sealed = await api.sealAlbumKey(alice.boxPublic, seq(32), seq(16), 0);
        for (const u of X25519_LOW_ORDER) {
          await assertRejects(() => api.sealAlbumKey(fromHex(u), seq(32), seq(16), 0), isRangeError, `recipient ${u.slice(0, 6)}`);
          const evil = sealed.slice();
          evil.set(fromHex(u), 22);
          await assertRejects(() => api.openAlbumKey(alice.boxSecret, evil), isDecryptError, `ephemeral ${u.slice(0, 6)}`);
        }
      },
    },
    {
      name: 'album key: new epoch for the remaining members; a removed member gets nothing; re-seal for a newcomer',
      async run() {
        const [a, b, removed, newcomer] = await Promise.all([0, 1, 2, 3].map(() => api.createIdentity()));
        const albumId = await api.newAlbumId();
        const e1 = await api.startEpoch(albumId, 1, [a!.boxPublic, b!.boxPublic]);
        assertEqual(e1.sealed.length, 2);
        assertEqual((await api.openAlbumKey(a!.boxSecret, e1.sealed[0]!)).albumKey, e1.albumKey);
        assertEqual((await api.openAlbumKey(b!.boxSecret, e1.sealed[1]!)).albumKey, e1.albumKey);
        for (const s of e1.sealed) await assertRejects(() => api.openAlbumKey(removed!.boxSecret, s), isDecryptError);
        const forNew = await api.resealAlbumKey(a!.boxSecret, e1.sealed[0]!, newcomer!.boxPublic);
        assertEqual(await api.openAlbumKey(newcomer!.boxSecret, forNew), { albumId, epoch: 1, albumKey: e1.albumKey });
      },
    },
    {
      name: 'file key: wrapped by the album key, bound to its file id',
      async run() {
        const albumKey = await api.newAlbumKey();
        const fileId = await api.newFileId();
        const fileKey = await api.newFileKey();
        const w = await api.wrapFileKey(albumKey, 4, fileId, fileKey);
        assertEqual(w.length, 66);
        assertEqual(await api.readWrappedFileKey(w), { epoch: 4 });
        assertEqual(await api.unwrapFileKey(albumKey, fileId, w), fileKey);
        await assertRejects(async () => api.unwrapFileKey(await api.newAlbumKey(), fileId, w), isDecryptError, 'wrong album key');
        await assertRejects(async () => api.unwrapFileKey(albumKey, await api.newFileId(), w), isDecryptError, 'other file id');
        // Adding the photo to a second album re-wraps the same key; nothing else changes.
        const other = await api.newAlbumKey();
        assertEqual(await api.unwrapFileKey(other, fileId, await api.wrapFileKey(other, 0, fileId, fileKey)), fileKey);
      },
    },
    {
      name: 'objects: every kind round-trips; a kind never opens as another; lengths are padded',
      async run() {
        const key = await api.newFileKey();
        for (const kind of ['thumbnail', 'metadata', 'manifest', 'album-info'] as const) {
          for (const n of [0, 1, 255, 256, 5000]) {
            const data = seq(n, n);
            assertEqual(await api.openObject(key, kind, await api.sealObject(key, kind, data)), data, `${kind} ${n}`);
          }
        }
        const thumb = await api.sealObject(key, 'thumbnail', utf8('x'));
        await assertRejects(() => api.openObject(key, 'metadata', thumb), isIntegrityError, 'kind confusion');
        const relabelled = thumb.slice();
        relabelled[2] = 2; // claim it is metadata: the derived key differs, so authentication fails
        await assertRejects(() => api.openObject(key, 'metadata', relabelled), isDecryptError);
        await assertRejects(async () => api.openObject(await api.newFileKey(), 'thumbnail', thumb), isDecryptError, 'wrong key');
        const len = async (n: number) => (await api.sealObject(key, 'metadata', new Uint8Array(n))).length;
        assertEqual(await len(3), await len(200), 'short names must not differ in size');
        assertEqual(await len(30000), await len(30500), 'similar thumbnails must not differ in size');
        await assertRejects(() => api.sealObject(key, 'secret-kind' as 'thumbnail', utf8('x')), isRangeError);
      },
    },
    {
      name: 'objects as Blobs: the plaintext with its type, refused by a first byte, and never opened by a wrong key',
      async run() {
        const key = await api.newFileKey();
        const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
        const env = await api.sealObject(key, 'thumbnail', jpeg);
        const blob = await api.openObjectAsBlob(key, 'thumbnail', env, { type: 'image/jpeg', firstByte: 0xff });
        assertEqual(blob?.type, 'image/jpeg', 'type');
        assertEqual(new Uint8Array(await blob!.arrayBuffer()), jpeg, 'bytes');
        const other = await api.sealObject(key, 'thumbnail', utf8('not a jpeg'));
        assertEqual(await api.openObjectAsBlob(key, 'thumbnail', other, { type: 'image/jpeg', firstByte: 0xff }), undefined, 'first byte');
        assertEqual((await api.openObjectAsBlob(key, 'thumbnail', other, { type: 'text/plain' }))?.size, 10, 'no first byte asked');
        await assertRejects(async () => api.openObjectAsBlob(await api.newFileKey(), 'thumbnail', env, { type: 'image/jpeg' }), isDecryptError, 'wrong key');
        await assertRejects(() => api.openObjectAsBlob(key, 'metadata', env, { type: 'image/jpeg' }), isIntegrityError, 'kind confusion');
      },
    },
    {
      name: 'a photo object opened from its album key and wrapped file key in one call: only that album key and that file id open it',
      async run() {
        const albumKey = await api.newAlbumKey();
        const fileId = await api.newFileId();
        const key = await api.newFileKey();
        const wrapped = await api.wrapFileKey(albumKey, 0, fileId, key);
        const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 9, 8, 7]);
        const env = await api.sealObject(key, 'thumbnail', jpeg);
        const blob = await api.openWrappedAsBlob(albumKey, fileId, wrapped, 'thumbnail', env, { type: 'image/jpeg', firstByte: 0xff });
        assertEqual(blob?.type, 'image/jpeg', 'type');
        assertEqual(new Uint8Array(await blob!.arrayBuffer()), jpeg, 'bytes');
        await assertRejects(async () => api.openWrappedAsBlob(await api.newAlbumKey(), fileId, wrapped, 'thumbnail', env, { type: 'image/jpeg' }), isDecryptError, 'wrong album key');
        await assertRejects(async () => api.openWrappedAsBlob(albumKey, await api.newFileId(), wrapped, 'thumbnail', env, { type: 'image/jpeg' }), isDecryptError, 'another file id');
        const stranger = await api.sealObject(await api.newFileKey(), 'thumbnail', jpeg);
        await assertRejects(() => api.openWrappedAsBlob(albumKey, fileId, wrapped, 'thumbnail', stranger, { type: 'image/jpeg' }), isDecryptError, 'an object of another file');
      },
    },
    {
      name: 'metadata: name, date, dimensions and EXIF GPS round-trip inside a sealed object',
      async run() {
        const key = await api.newFileKey();
        const meta = {
          name: 'IMG_0001.jpg', mime: 'image/jpeg', size: 3_400_000, takenAt: '2024-06-01T10:00:00Z', width: 4032, height: 3024,
          exif: { Make: 'Phone', GPSLatitude: 48.8584, GPSLongitude: 2.2945 },
        };
        const env = await api.sealMetadata(key, meta);
        assert(!toHex(env).includes(toHex(utf8('IMG_0001'))), 'name visible in ciphertext');
        assertEqual(await api.openMetadata(key, env), meta);
      },
    },
    {
      name: 'manifest: round-trips; refuses another file id; count must fit the size',
      async run() {
        const fileKey = await api.newFileKey();
        const fileId = await api.newFileId();
        const chunks = [await api.hashObject(utf8('a')), await api.hashObject(utf8('b'))];
        const m = { fileId, size: (1 << 20) + 5, chunks };
        const env = await api.sealManifest(fileKey, m);
        assertEqual(await api.openManifest(fileKey, fileId, env), m);
        await assertRejects(async () => api.openManifest(fileKey, await api.newFileId(), env), isIntegrityError);
        await assertRejects(() => api.sealManifest(fileKey, { ...m, size: 5 }), isRangeError);
      },
    },
    {
      name: 'ops: a relay verifies author and header without keys; members decrypt',
      async run() {
        const alice = await api.createIdentity();
        const bob = await api.createIdentity();
        const albumId = await api.newAlbumId();
        const albumKey = await api.newAlbumKey();
        const payload = utf8('{"type":"add-photo"}');
        const env = await api.sealOp({ albumId, epoch: 2, albumKey, authorSecret: alice.signSecret, seq: 41, payload });
        const op = await api.verifyOp(env);
        assertEqual([op.version, op.album, op.author, op.seq, op.epoch], [1, albumId, alice.signPublic, 41, 2]);
        await api.verifyOp(env, alice.signPublic);
        await assertRejects(() => api.verifyOp(env, bob.signPublic), isIntegrityError, 'pinned author');
        assertEqual((await api.openOp(albumKey, env)).payload, payload);
        await assertRejects(async () => api.openOp(await api.newAlbumKey(), env), isDecryptError, 'wrong album key');
        const forged = env.slice();
        forged.set(bob.signPublic, 18); // claim Bob wrote it
        await assertRejects(() => api.verifyOp(forged), isIntegrityError, 'author swap');
        assert(!toHex(env).includes(toHex(payload)), 'payload visible');
      },
    },
    {
      name: 'envelopes: unknown version or algorithm fails closed with VersionError',
      async run() {
        const id = await api.createIdentity();
        const key = await api.newFileKey();
        const fileId = await api.newFileId();
        const albumKey = await api.newAlbumKey();
        const chunk = (await api.encryptChunk(key, fileId, 0, true, utf8('x'))).ciphertext;
        const bundle = (await api.createKeyBundle(id, 'pw', { params: { memory: 8192, iterations: 1, parallelism: 1 }, allowBelowFloor: true })).bundle;
        const cases: Array<[string, Uint8Array, (b: Uint8Array) => Promise<unknown>]> = [
          ['chunk', chunk, (b) => api.decryptChunk(key, fileId, 0, true, b)],
          ['object', await api.sealObject(key, 'thumbnail', utf8('t')), (b) => api.openObject(key, 'thumbnail', b)],
          ['wrapped file key', await api.wrapFileKey(albumKey, 0, fileId, key), (b) => api.unwrapFileKey(albumKey, fileId, b)],
          ['sealed album key', await api.sealAlbumKey(id.boxPublic, albumKey, seq(16), 0), (b) => api.openAlbumKey(id.boxSecret, b)],
          ['op', await api.sealOp({ albumId: seq(16), epoch: 0, albumKey, authorSecret: id.signSecret, seq: 0, payload: utf8('p') }), (b) => api.verifyOp(b)],
          ['key bundle', bundle, (b) => api.readKeyBundle(b)],
          ['public identity', await api.encodePublicIdentity(id), (b) => api.decodePublicIdentity(b)],
        ];
        for (const [what, env, open] of cases) {
          for (const [i, v] of [[0, 0], [0, 2], [0, 255], [1, 0], [1, 0xee]] as const) {
            const bad = env.slice();
            bad[i] = v;
            await assertRejects(() => open(bad), isVersionError, `${what} byte ${i} = ${v}`);
          }
          await assertRejects(() => open(new Uint8Array(0)), isIntegrityError, `${what} empty`);
        }
      },
    },
    {
      name: 'inputs: wrong type is a TypeError, wrong length a RangeError, both naming the input',
      async run() {
        const key = await api.newFileKey();
        const e1 = await assertRejects(() => api.sealObject('k' as unknown as Uint8Array, 'thumbnail', utf8('x')), isTypeError);
        assert(String((e1 as Error).message).includes('objectKey'), 'label missing');
        const e2 = await assertRejects(() => api.wrapFileKey(seq(31), 0, seq(16), key), isRangeError);
        assert(String((e2 as Error).message).includes('albumKey'), 'label missing');
        await assertRejects(() => api.wrapFileKey(seq(32), -1, seq(16), key), isRangeError);
        await assertRejects(() => api.deriveVaultKeys(seq(16)), isRangeError);
        await assertRejects(() => api.sealOp({ albumId: seq(16), epoch: 0, albumKey: key, authorSecret: seq(32), seq: 1.5, payload: utf8('') }), isRangeError);
      },
    },
    {
      name: 'errors never carry key material',
      async run() {
        const key = seq(32, 0xab);
        const env = await api.sealObject(key, 'thumbnail', utf8('x'));
        const e = await assertRejects(() => api.openObject(seq(32, 0xcd), 'thumbnail', env), isDecryptError);
        const text = `${(e as Error).message} ${(e as Error).stack ?? ''}`;
        for (const secret of [toHex(key), toHex(seq(32, 0xcd)), toHex(key).slice(0, 16)]) assert(!text.includes(secret), 'key in message');
      },
    },
  ];
}
