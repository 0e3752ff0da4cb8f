/** Protocol limits: what a peer may send us in one frame. Exceeding one drops the frame. */
import { MAX_FRAME_BYTES } from '../transport/peer-transport.ts';

export { MAX_FRAME_BYTES };
/** Bytes of object data per obj-data frame; the rest of the frame is header. */
export const DATA_CHUNK_BYTES = MAX_FRAME_BYTES - 128;
export const MAX_OP_CIPHERTEXT_BYTES = 64 * 1024;
export const MAX_LOG_ID_CHARS = 64;
export const MAX_PEER_ID_CHARS = 64;
export const MAX_FINGERPRINT_CHARS = 256;
export const MAX_TEXT_CHARS = 256;
/** Upper bounds on list lengths; the frame size bounds them tighter in practice. */
export const MAX_LIST = 16_384;
/** Default largest object accepted (encrypted chunks are about 1 MiB). */
export const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** Wire sizes used to pack batches under MAX_FRAME_BYTES. */
export const INV_ENTRY_MAX_WIRE = 32 + 9 + 9 + 1;
export const OP_OVERHEAD_WIRE = 1 + 2 * 9 + 32 + 64 + 3 * 9;
/** A hello's credential (an invite key and its signature: 96 bytes). */
export const MAX_CREDENTIAL_BYTES = 256;
