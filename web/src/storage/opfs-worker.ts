/**
 * The OPFS worker: exposes OpfsFiles over comlink and holds no logic of its own, but for one
 * thing: the bytes of a write arrive as this worker's own structured-clone copy, released once
 * written (docs/performance.md, "Releasing chunk buffers"). Started by backend-opfs.ts.
 */
import { expose } from 'comlink';
import { releaseBytes } from '../core/bytes.ts';
import type { ObjectHash } from '../core/ids.ts';
import { OpfsFiles } from './opfs-files.ts';

class WorkerFiles extends OpfsFiles {
  override async write(hash: ObjectHash, bytes: Uint8Array, session: string): Promise<void> {
    try {
      await super.write(hash, bytes, session);
    } finally {
      releaseBytes(bytes);
    }
  }
}

expose(new WorkerFiles());
