/**
 * The data directory: DIR/profile is Chromium's profile (the relay's storage) and
 * DIR/relay.json records what must never change for that storage:
 *   - the page origin. Browser storage belongs to an origin (scheme, host, port); started on
 *     another port the relay would come up empty and its stored copies would be unreachable.
 *     So the origin is recorded at first start and a different one is refused.
 *   - the relay's peer id, so the family sees the same home across restarts.
 * DIR/invite, when present, is the relay invite pasted at the first start (first-run-invite.ts).
 * The file system is injected so the rules are unit-tested.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';

export interface RelayState {
  format: 1;
  origin: string;
  peerId: string;
  createdAt: string;
}

export interface OpenedDataDir {
  state: RelayState;
  profileDir: string;
  /** true on the first start of this data dir. */
  created: boolean;
}

export class DataDirError extends Error {
  override name = 'DataDirError';
}

export type DataDirFs = Pick<typeof nodeFs, 'mkdir' | 'readFile' | 'writeFile' | 'rename' | 'unlink' | 'readdir'>;

export const STATE_FILE = 'relay.json';
/** The relay invite pasted at the first start (first-run-invite.ts), mode 0600; read when no invite is set. */
export const INVITE_FILE = 'invite';
export const PROFILE_DIR = 'profile';

export function newPeerId(): string {
  return randomBytes(16).toString('base64url');
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function openDataDir(dir: string, origin: string, fs: DataDirFs = nodeFs): Promise<OpenedDataDir> {
  await ensureWritable(dir, fs);
  const profileDir = join(dir, PROFILE_DIR);
  const statePath = join(dir, STATE_FILE);
  const existing = await readState(statePath, fs);
  if (existing) {
    if (existing.origin !== origin) throw new DataDirError(originMismatch(dir, existing.origin, origin));
    return { state: existing, profileDir, created: false };
  }
  // No relay.json, but a profile: its data belongs to an origin we can no longer know.
  const profileEntries = await fs.readdir(profileDir).catch((e: unknown) => {
    if (code(e) === 'ENOENT') return [];
    throw new DataDirError(`cannot read ${profileDir}: ${msg(e)}`);
  });
  if (profileEntries.length > 0) {
    throw new DataDirError(
      `${dir} has a browser profile but no ${STATE_FILE}, so the origin its stored data belongs to is unknown. ` +
      `Restore ${STATE_FILE} from your backup, or move ${profileDir} away to start an empty relay.`,
    );
  }
  const state: RelayState = { format: 1, origin, peerId: newPeerId(), createdAt: new Date().toISOString() };
  await writeState(statePath, state, fs);
  return { state, profileDir, created: true };
}

function originMismatch(dir: string, recorded: string, wanted: string): string {
  const port = /:(\d+)$/.exec(recorded)?.[1];
  return `data dir ${dir} belongs to the relay page origin ${recorded} (recorded in ${join(dir, STATE_FILE)} at its first start), ` +
    `but this start would use ${wanted}. Browser storage belongs to an origin: on another one this relay would start empty ` +
    `and the copies it stores would be out of reach. ` +
    (port ? `Start it with --page-port ${port}, ` : 'Start it on the recorded origin, ') +
    'or give a new --data directory to start a new, empty relay.';
}

async function ensureWritable(dir: string, fs: DataDirFs): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new DataDirError(`cannot create the data dir ${dir}: ${msg(e)} (run as the user that owns it, or create it: sudo install -d -o $USER ${dir})`);
  }
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    await fs.writeFile(probe, 'ok');
    await fs.unlink(probe);
  } catch (e) {
    throw new DataDirError(`the data dir ${dir} is not writable by this user: ${msg(e)} (fix its owner or permissions: sudo chown -R $USER ${dir})`);
  }
}

async function readState(path: string, fs: DataDirFs): Promise<RelayState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new DataDirError(`cannot read ${path}: ${msg(e)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new DataDirError(`${path} is not valid JSON. It records the origin this relay's data belongs to: restore it from your backup rather than deleting it.`);
  }
  if (!isState(v)) {
    throw new DataDirError(`${path} is missing "origin" or "peerId", or has an unknown "format". Restore it from your backup rather than deleting it.`);
  }
  return v;
}

function isState(v: unknown): v is RelayState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return o.format === 1 && typeof o.origin === 'string' && /^https?:\/\/[^/]+$/.test(o.origin) &&
    typeof o.peerId === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(o.peerId);
}

/** Write-then-rename, so a crash mid-write never leaves a half relay.json. */
async function writeState(path: string, state: RelayState, fs: DataDirFs): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await fs.writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await fs.rename(tmp, path);
  } catch (e) {
    throw new DataDirError(`cannot write ${path}: ${msg(e)}`);
  }
}
