/**
 * Enrolment in one JSON file (the default; `--enrol-file`), shared by the running server and
 * `npm run signal -- enroll`, which may run at the same moment:
 * - every change is read-modify-write under a lock file (`FILE.lock`, created exclusively; one
 *   left behind by a crashed process counts as stale after 10 s), then written to a temporary
 *   file, fsynced and renamed over the old one, so a reader sees the old or the new file, never half;
 * - reads re-parse only when the file changed (its inode, size or mtime), so a code minted by
 *   the CLI is seen at the next join without a restart.
 * A file that does not parse is an error, never silently replaced: it holds the enrolments.
 * Run as root on a file owned by the service's user (systemd's DynamicUser), the new file keeps
 * that owner, so `sudo npm run signal -- enroll` does not lock the server out of its own file.
 */
import {
  closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync,
  fchownSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { hashEnrolCode, newEnrolCode, normalizeEnrolCode } from './enrol-code.ts';
import { MAX_ROOMS_PER_FAMILY, type EnrolledRoom, type EnrolmentStore, type RedeemResult, type VouchResult } from './enrolment.ts';

interface FileData {
  version: 1;
  rooms: Record<string, Omit<EnrolledRoom, 'room'>>;
  /** sha-256 (hex) of a normalized code → when it stops working. */
  codes: Record<string, { createdAt: number; expiresAt: number }>;
}

const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

const empty = (): FileData => ({ version: 1, rooms: Object.create(null), codes: Object.create(null) });

export class FileEnrolmentStore implements EnrolmentStore {
  readonly where: string;
  #cache: { stamp: string; data: FileData } | undefined;

  constructor(readonly path: string) {
    this.where = path;
  }

  async isEnrolled(room: string): Promise<boolean> {
    return Object.hasOwn(this.#read().rooms, room);
  }

  async redeem(code: string, room: string, now: number): Promise<RedeemResult> {
    return this.#update((d) => {
      if (Object.hasOwn(d.rooms, room)) return 'already';
      const h = hashEnrolCode(code);
      const c = Object.hasOwn(d.codes, h) ? d.codes[h] : undefined;
      if (!c || c.expiresAt <= now) return 'bad-code';
      delete d.codes[h];
      d.rooms[room] = { at: now, via: 'code', family: room };
      return 'enrolled';
    });
  }

  async vouch(voucher: string, room: string, now: number): Promise<VouchResult> {
    return this.#update((d) => {
      if (Object.hasOwn(d.rooms, room)) return 'already';
      const v = Object.hasOwn(d.rooms, voucher) ? d.rooms[voucher] : undefined;
      if (!v) return 'voucher-not-enrolled';
      if (Object.values(d.rooms).filter((r) => r.family === v.family).length >= MAX_ROOMS_PER_FAMILY) return 'family-full';
      d.rooms[room] = { at: now, via: 'vouch', family: v.family, by: voucher };
      return 'enrolled';
    });
  }

  async mint(expiresAt: number, now: number): Promise<string> {
    const code = newEnrolCode();
    this.#update((d) => {
      d.codes[hashEnrolCode(normalizeEnrolCode(code)!)] = { createdAt: now, expiresAt };
    });
    return code;
  }

  async list(): Promise<EnrolledRoom[]> {
    return Object.entries(this.#read().rooms).map(([room, r]) => ({ room, ...r }));
  }

  async pendingCodes(now: number): Promise<number> {
    return Object.values(this.#read().codes).filter((c) => c.expiresAt > now).length;
  }

  async remove(room: string): Promise<boolean> {
    return this.#update((d) => {
      if (!Object.hasOwn(d.rooms, room)) return false;
      delete d.rooms[room];
      return true;
    });
  }

  async close(): Promise<void> {}

  /** The file as it is now; parsed again only when it changed. Missing: nothing enrolled. */
  #read(): FileData {
    let stamp: string;
    try {
      const st = statSync(this.path, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return empty();
      throw e;
    }
    if (this.#cache?.stamp === stamp) return this.#cache.data;
    const data = this.#parse(readFileSync(this.path, 'utf8'));
    this.#cache = { stamp, data };
    return data;
  }

  #parse(text: string): FileData {
    let d: unknown;
    try {
      d = JSON.parse(text);
    } catch (e) {
      throw new Error(`enrolment file ${this.path} is not JSON (${e instanceof Error ? e.message : String(e)}); fix or move it`);
    }
    const o = d as Partial<FileData> | null;
    if (!o || o.version !== 1 || typeof o.rooms !== 'object' || o.rooms === null || typeof o.codes !== 'object' || o.codes === null) {
      throw new Error(`enrolment file ${this.path} is not a version 1 enrolment file; fix or move it`);
    }
    // Null-prototype maps: a room id or hash such as `__proto__` is just a key.
    return { version: 1, rooms: Object.assign(Object.create(null), o.rooms), codes: Object.assign(Object.create(null), o.codes) };
  }

  /** Read-modify-write under the lock; written only when `fn` changed something. Expired codes go. */
  #update<T>(fn: (d: FileData) => T): T {
    const unlock = this.#lock();
    try {
      let text: string | undefined;
      try {
        text = readFileSync(this.path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const d = text === undefined ? empty() : this.#parse(text);
      const before = JSON.stringify(d);
      const result = fn(d);
      const now = Date.now();
      for (const [h, c] of Object.entries(d.codes)) if (c.expiresAt <= now) delete d.codes[h];
      const after = JSON.stringify(d, null, 1);
      if (JSON.stringify(d) !== before) this.#write(after + '\n');
      return result;
    } finally {
      unlock();
    }
  }

  #write(text: string): void {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      this.#keepOwner(fd);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(tmp);
      throw e;
    }
    closeSync(fd);
    renameSync(tmp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /** As root, the new file gets the owner of the one it replaces (or of its directory). */
  #keepOwner(fd: number): void {
    if (process.getuid?.() !== 0) return;
    let owner: { uid: number; gid: number };
    try {
      owner = statSync(this.path);
    } catch {
      owner = statSync(dirname(this.path));
    }
    const mine = fstatSync(fd);
    if (owner.uid !== mine.uid || owner.gid !== mine.gid) fchownSync(fd, owner.uid, owner.gid);
  }

  #lock(): () => void {
    const lock = `${this.path}.lock`;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(lock, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return () => unlinkSync(lock);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) {
          unlinkSync(lock); // its holder died mid-update; the file itself is whole (rename)
          continue;
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        continue; // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`enrolment file ${this.path} stays locked (${lock}); remove the lock if no enrol command is running`);
      // Updates hold the lock for a millisecond or two: a short synchronous wait is fine.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
