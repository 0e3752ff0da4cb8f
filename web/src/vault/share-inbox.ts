/**
 * Files shared to the installed app from the phone's gallery (the PWA share target). The
 * service worker takes the share POST while the vault is locked, so it holds no album key; it
 * must still leave nothing in the clear. Each unlock registers the member's X25519 box public key
 * here (public: it is in the key bundle's clear header too); the service worker seals each shared
 * file for it, like a queued upload (a fresh file key, the crypto layer's chunk stream, name and
 * type in sealed metadata), except that the file key is sealed to the member's box key instead of
 * wrapped by an album key, and writes it into that vault's upload spool with no album. After the
 * next unlock the upload queue opens those entries with the member's box secret, and the member
 * chooses the album (or discards them): a page of another site that posts a form to
 * `/share-target` can put files in front of the member, never into an album. docs/storage.md
 * "Shared files".
 */
import { toBase64Url, releaseBytes, utf8 } from '../core/bytes.ts';
import type { CryptoApi } from '../crypto/api-types.ts';
import type { UploadSpool } from '../storage/upload-spool.ts';
export { registerShareInbox, shareInbox } from '../storage/share-inbox-db.ts';

/** Shared files' keys are sealed like an album key of this fixed, never-used album id, epoch 0. */
export const SHARE_SEAL_ID = new Uint8Array(16).fill(0x5a);

/** The spool's album of a shared file: none yet, the member chooses after unlocking. */
export const SHARED_ALBUM = '';

/** A shared file's spool header (v 2; a picked file's is v 1, its key wrapped by the album key). */
export interface SharedHeader {
  v: 2;
  fileId: string;
  /** The file key, sealed to the member's box public key. */
  box: string;
  meta: string;
}

/** Seals one shared file for `box` into the spool (no album). */
export async function sealShared(crypto: CryptoApi, spool: UploadSpool, box: Uint8Array, file: File): Promise<number> {
  const [fileId, fileKey] = await Promise.all([crypto.newFileId(), crypto.newFileKey()]);
  const meta = await crypto.sealMetadata(fileKey, {
    name: file.name || 'shared photo', mime: file.type, size: file.size, takenAt: new Date(file.lastModified || Date.now()).toISOString(),
  });
  const header: SharedHeader = {
    v: 2, fileId: toBase64Url(fileId), box: toBase64Url(await crypto.sealAlbumKey(box, fileKey, SHARE_SEAL_ID, 0)), meta: toBase64Url(meta),
  };
  async function* parts() {
    for await (const c of crypto.encryptStream(fileKey, fileId, file)) {
      yield { bytes: c.ciphertext, digest: c.hash };
      releaseBytes(c.ciphertext);
    }
  }
  return spool.add(SHARED_ALBUM, utf8(JSON.stringify(header)), parts());
}
