/**
 * The index database (IndexedDB, via idb): its record types, stores, indexes and the upgrade
 * path. Records carry only what keys and queries need plus opaque ciphertext; the vault
 * layer gives them meaning. To change the schema: bump INDEX_VERSION and add a `case` to
 * `upgradeIndex` that takes version N-1 to N; never edit a case that has shipped.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { AlbumId, MemberId, ObjectHash, PeerId, PhotoId } from '../core/ids.ts';
import type { ObjectRecord } from './object-catalog.ts';

export const INDEX_VERSION = 2;

export interface MemberRecord {
  id: MemberId;
  /** Ed25519 (signing) and X25519 (key agreement) public keys from the member directory. */
  signingKey: Uint8Array;
  agreementKey: Uint8Array;
  updatedAt: number;
}

export interface AlbumRecord {
  id: AlbumId;
  /** The current key epoch; a member removal starts a new one. */
  epoch: number;
  /** Encrypted album metadata (name, …): opaque here. */
  meta: Uint8Array | undefined;
  updatedAt: number;
}

/** active: listed in its album; removed: kept as a tombstone until its ops are compacted. */
export type PhotoState = 'active' | 'removed';

/** The objects that make up one photo. Every one must be stored before the photo is visible. */
export interface PhotoObjects {
  manifest: ObjectHash;
  thumb: ObjectHash;
  meta: ObjectHash;
  chunks: ObjectHash[];
}

export interface PhotoRecord {
  id: PhotoId;
  album: AlbumId;
  state: PhotoState;
  objects: PhotoObjects;
  addedAt: number;
  /** Random per-file id bound into every chunk's nonce and AAD. */
  fileId: Uint8Array;
  /** The file key wrapped by the album key of `epoch` (opaque to storage). */
  wrappedKey: Uint8Array;
  epoch: number;
}

/** A signed, encrypted op as replication moves it (web/src/replication/ports.ts OpEnvelope). */
export interface OpRecord {
  /** 'vault' or an album id. */
  log: string;
  /** base64url Ed25519 public key of the authoring device. */
  author: string;
  seq: number;
  lamport: number;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

export interface PeerRecord {
  id: PeerId;
  role: 'member' | 'relay';
  name: string | undefined;
  /** The peer's device signing key, pinned at first handshake. */
  deviceKey: Uint8Array | undefined;
  lastSeen: number;
}

export type JobState = 'queued' | 'sending' | 'done' | 'failed';

/** A replication transfer job (web/src/replication/ports.ts TransferJob); other fields are opaque here. */
export interface JobRecord {
  id: string;
  peer: PeerId;
  hash: ObjectHash;
  state: JobState;
  [field: string]: unknown;
}

/**
 * One line of the append-only inventory log: an object became complete (or stopped being so:
 * `gone`). Peers sync these lines from a cursor, so reconnect traffic grows with the difference.
 */
export interface InventoryRecord {
  seq: number;
  hash: ObjectHash;
  size: number;
  gone: boolean;
}

/** A peer confirmed it stored an object (acks from relays make "backed up on N homes"). */
export interface AckRecord {
  hash: ObjectHash;
  peer: PeerId;
  at: number;
}

export interface IndexSchema extends DBSchema {
  /** Vault settings: key → any structured-cloneable value. */
  vault: { key: string; value: unknown };
  members: { key: MemberId; value: MemberRecord };
  albums: { key: AlbumId; value: AlbumRecord };
  photos: { key: PhotoId; value: PhotoRecord; indexes: { byAlbum: [AlbumId, PhotoId] } };
  ops: { key: [string, string, number]; value: OpRecord };
  peers: { key: PeerId; value: PeerRecord };
  jobs: { key: string; value: JobRecord };
  inventory: { key: number; value: InventoryRecord };
  acks: { key: [ObjectHash, PeerId]; value: AckRecord; indexes: { byPeer: PeerId } };
  /** The object catalog (catalog-idb.ts): one record per stored object. */
  objects: { key: ObjectHash; value: ObjectRecord; indexes: { byState: [string, ObjectHash] } };
  /** Storage's own bookkeeping (object totals). Not for other layers. */
  meta: { key: string; value: unknown };
  /**
   * The bytes of small objects (thumbnails, metadata, manifests, ops' key bundles), kept beside
   * their catalog record and written in the same transaction (catalog-idb.ts, "inline").
   */
  small: { key: ObjectHash; value: ArrayBuffer };
}

export type IndexDb = IDBPDatabase<IndexSchema>;
type UpgradeTx = IDBPTransaction<IndexSchema, StoreNames<IndexSchema>[], 'versionchange'>;

/** Version 0 → 1: every store of the first schema. */
function createV1(db: IndexDb): void {
  db.createObjectStore('vault');
  db.createObjectStore('members', { keyPath: 'id' });
  db.createObjectStore('albums', { keyPath: 'id' });
  db.createObjectStore('photos', { keyPath: 'id' }).createIndex('byAlbum', ['album', 'id']);
  db.createObjectStore('ops', { keyPath: ['log', 'author', 'seq'] });
  db.createObjectStore('peers', { keyPath: 'id' });
  db.createObjectStore('jobs', { keyPath: 'id' });
  db.createObjectStore('inventory', { keyPath: 'seq', autoIncrement: true });
  db.createObjectStore('acks', { keyPath: ['hash', 'peer'] }).createIndex('byPeer', 'peer');
  db.createObjectStore('objects', { keyPath: 'hash' }).createIndex('byState', ['state', 'hash']);
  db.createObjectStore('meta');
}

/**
 * Runs every step from `oldVersion` up to `newVersion`, one `case` per step, so a database at
 * any earlier version reaches the current one. (A loop instead of case fall-through, which
 * the compiler's noFallthroughCasesInSwitch forbids.)
 */
export function upgradeIndex(db: IndexDb, oldVersion: number, newVersion: number, _tx: UpgradeTx): void {
  for (let from = oldVersion; from < newVersion; from++) {
    switch (from) {
      case 0:
        createV1(db);
        break;
      case 1:
        db.createObjectStore('small');
        break;
      // case 2: version 2 → 3 goes here (e.g. db.createObjectStore(...) or _tx.objectStore(...).createIndex(...)).
      default:
        throw new RangeError(`index schema: no upgrade from version ${from}`);
    }
  }
}
