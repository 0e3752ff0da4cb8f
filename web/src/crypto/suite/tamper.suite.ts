/**
 * Single-bit flips: every bit of each small envelope, and for a 1 MiB chunk every header and tag
 * bit plus a sample of the body, must be rejected with a typed error (never garbage, never a crash).
 */
import { anyOf, assertRejects, isRangeError, type SuiteCase } from '../../core/assert-suite.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../../core/bytes.ts';
import { isVersionError } from '../../core/errors.ts';
import type { CryptoApi } from '../api-types.ts';
import { CHUNK_ENVELOPE_LENGTH } from '../chunk.ts';
import { assertEveryFlipRejected, flip, pattern, range, TEST_BUNDLE_OPTS } from './util.ts';

function* chunkBits(): Generator<number> {
  yield* range(0, 16); // header
  yield* range((CHUNK_ENVELOPE_LENGTH - 16) * 8, CHUNK_ENVELOPE_LENGTH * 8); // tag
  for (let i = 0; i < 64; i++) yield 16 + Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** 32 * (CHUNK_ENVELOPE_LENGTH - 18) * 8);
}

export function tamperCases(api: CryptoApi): SuiteCase[] {
  return [
    {
      name: 'flip every bit: signal envelope',
      async run() {
        const { roomKey } = await api.deriveVaultKeys(pattern(32, 1));
        const bytes = fromBase64Url(await api.sealSignal(roomKey, 'peerA', 'peerB', 'candidate'));
        await assertEveryFlipRejected(bytes, (b) => api.openSignal(roomKey, 'peerA', 'peerB', toBase64Url(b)), 'signal');
      },
    },
    {
      name: 'flip every bit: sealed album key',
      async run() {
        const id = await api.createIdentity();
        const sealed = await api.sealAlbumKey(id.boxPublic, await api.newAlbumKey(), await api.newAlbumId(), 3);
        await assertEveryFlipRejected(sealed, (b) => api.openAlbumKey(id.boxSecret, b), 'sealed album key');
      },
    },
    {
      name: 'flip every bit: wrapped file key',
      async run() {
        const albumKey = await api.newAlbumKey();
        const fileId = await api.newFileId();
        const w = await api.wrapFileKey(albumKey, 1, fileId, await api.newFileKey());
        await assertEveryFlipRejected(w, (b) => api.unwrapFileKey(albumKey, fileId, b), 'wrapped file key');
      },
    },
    {
      name: 'flip every bit: sealed object (metadata)',
      async run() {
        const key = await api.newFileKey();
        const env = await api.sealObject(key, 'metadata', utf8('{"name":"a.jpg"}'));
        await assertEveryFlipRejected(env, (b) => api.openObject(key, 'metadata', b), 'object');
      },
    },
    {
      name: 'flip bits: op (every header and signature bit, every 8th ciphertext bit; relay check and member open)',
      async run() {
        const id = await api.createIdentity();
        const albumKey = await api.newAlbumKey();
        const env = await api.sealOp({ albumId: await api.newAlbumId(), epoch: 1, albumKey, authorSecret: id.signSecret, seq: 9, payload: utf8('rename') });
        const sigStart = (env.length - 64) * 8;
        const bits = [...range(0, 74 * 8), ...range(74 * 8, sigStart, 8), ...range(sigStart, env.length * 8)];
        await assertEveryFlipRejected(env, (b) => api.verifyOp(b), 'op (relay)', bits);
        await assertEveryFlipRejected(env, (b) => api.openOp(albumKey, b), 'op (member)', range(0, env.length * 8, 97));
      },
    },
    {
      name: 'flip every bit: key bundle (recovery path); salt, nonce and wrap bits (passphrase path)',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'pw', TEST_BUNDLE_OPTS);
        await assertEveryFlipRejected(nb.bundle, (b) => api.unlockWithRecovery(b, nb.recoveryPhrase), 'key bundle (recovery)');
        // Each passphrase attempt runs Argon2, so sample: low param bits, salt, nonce, wrapped key, body.
        const bits = [66 * 8, 66 * 8 + 29, 70 * 8 + 30, 70 * 8 + 31, 74 * 8 + 7, ...range(75 * 8, 91 * 8, 11), ...range(91 * 8, 151 * 8, 29), 300 * 8 + 1];
        await assertEveryFlipRejected(nb.bundle, (b) => api.unlockWithPassphrase(b, 'pw'), 'key bundle (passphrase)', bits);
      },
    },
    {
      name: 'flip bits: 1 MiB chunk (all header and tag bits, 64 body bits)',
      async run() {
        const fileKey = await api.newFileKey();
        const fileId = await api.newFileId();
        const c = await api.encryptChunk(fileKey, fileId, 5, false, pattern(1 << 20, 2));
        await assertEveryFlipRejected(c.ciphertext, (b) => api.decryptChunk(fileKey, fileId, 5, false, b), 'chunk', chunkBits());
        // With its address the flip is caught before decryption.
        await assertEveryFlipRejected(c.ciphertext, (b) => api.decryptChunk(fileKey, fileId, 5, false, b, c.hash), 'chunk+hash', range(0, 64));
      },
    },
    {
      name: 'flip every bit: invite',
      async run() {
        const code = await api.encodeInvite({ kind: 'member', vaultSecret: pattern(32, 7), memberSecret: pattern(32, 8), inviter: pattern(32, 9), inviteSeed: pattern(32, 10) });
        const bytes = fromBase64Url(code.slice(3));
        for (const bit of range(0, bytes.length * 8)) {
          await assertRejects(() => api.parseInvite(`fv.${toBase64Url(flip(bytes, bit))}`), anyOf(isRangeError, isVersionError), `invite bit ${bit}`);
        }
      },
    },
  ];
}
