/**
 * Enrolment stores against their real backing: a JSON file (several processes at once, a broken
 * file, root keeping the service's ownership) and a throwaway redis-server. Codes: format,
 * normalization, hashing.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEnrolCode, newEnrolCode, normalizeEnrolCode } from '../src/enrol-code.ts';
import { FileEnrolmentStore } from '../src/enrolment-file.ts';
import { RedisEnrolmentStore } from '../src/enrolment-redis.ts';
import { makeRoom } from './support/client.ts';
import { runEnrolmentStoreTests } from './support/enrolment-store-suite.ts';
import { startRedis, type RedisProcess } from './support/redis.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fv-enrol-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('enrolment codes', () => {
  it('are 12 Crockford base32 symbols in groups of 4, different every time', () => {
    const codes = new Set(Array.from({ length: 200 }, () => newEnrolCode()));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}){2}$/);
  });

  it('read the way people type them: case, dashes, spaces, O for 0, I and L for 1', () => {
    expect(normalizeEnrolCode(' 7kq2-mx9d 4tnb ')).toBe('7KQ2MX9D4TNB');
    expect(normalizeEnrolCode('O1IL-0000-0000')).toBe('0111' + '00000000');
    expect(normalizeEnrolCode('7KQ2-MX9D-4TN')).toBeUndefined(); // too short
    expect(normalizeEnrolCode('7KQ2-MX9D-4TNBB')).toBeUndefined();
    expect(normalizeEnrolCode('7KQ2-MX9D-4TNU')).toBeUndefined(); // U is not in the alphabet
  });

  it('are stored as a SHA-256 under their own label, never as themselves', () => {
    const h = hashEnrolCode('7KQ2MX9D4TNB');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain('7KQ2');
    expect(hashEnrolCode('7KQ2MX9D4TNC')).not.toBe(h);
  });
});

runEnrolmentStoreTests('file', {
  fresh: async () => new FileEnrolmentStore(join(tmp(), 'sub', 'enrolment.json')),
  twin: async (s) => new FileEnrolmentStore((s as FileEnrolmentStore).path),
});

describe('FileEnrolmentStore on disk', () => {
  it('writes a private file, and several processes minting at once lose no code (the lock)', async () => {
    const path = join(tmp(), 'enrolment.json');
    const script = `import { FileEnrolmentStore } from './signal-server/src/enrolment-file.ts';
const s = new FileEnrolmentStore(${JSON.stringify(path)});
for (let i = 0; i < 25; i++) await s.mint(Date.now() + 86400000, Date.now());`;
    const run = () => new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: 'inherit' });
      p.on('exit', resolve);
    });
    expect(await Promise.all([run(), run(), run(), run()])).toEqual([0, 0, 0, 0]);
    const s = new FileEnrolmentStore(path);
    expect(await s.pendingCodes(Date.now())).toBe(100);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(`${path}.lock`)).toBe(false);
  }, 60_000);

  it('refuses a file that is not an enrolment file, and leaves it as it was', async () => {
    const path = join(tmp(), 'enrolment.json');
    writeFileSync(path, '{"rooms": ');
    const s = new FileEnrolmentStore(path);
    await expect(s.isEnrolled(makeRoom().id)).rejects.toThrow(/is not JSON/);
    await expect(s.mint(Date.now() + 1000, Date.now())).rejects.toThrow(/is not JSON/);
    expect(readFileSync(path, 'utf8')).toBe('{"rooms": ');
    writeFileSync(path, '{"version": 2, "rooms": {}, "codes": {}}');
    await expect(s.isEnrolled(makeRoom().id)).rejects.toThrow(/not a version 1 enrolment file/);
  });

  it('a lock left by a process that died is taken over after 10 s', async () => {
    const path = join(tmp(), 'enrolment.json');
    writeFileSync(`${path}.lock`, '12345');
    const old = new Date(Date.now() - 11_000);
    utimesSync(`${path}.lock`, old, old);
    const s = new FileEnrolmentStore(path);
    await s.mint(Date.now() + 1000, Date.now());
    expect(await s.pendingCodes(Date.now())).toBe(1);
  });

  it.skipIf(process.getuid?.() !== 0)('run as root, keeps the owner of the file it replaces (systemd DynamicUser)', async () => {
    const path = join(tmp(), 'enrolment.json');
    const s = new FileEnrolmentStore(path);
    await s.mint(Date.now() + 1000, Date.now());
    chownSync(path, 65534, 65534);
    await s.mint(Date.now() + 1000, Date.now());
    expect(statSync(path)).toMatchObject({ uid: 65534, gid: 65534 });
  });
});

describe('RedisEnrolmentStore', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  let db = 0;
  // Each test gets its own (empty) database of the throwaway server, which has 16.
  runEnrolmentStoreTests('redis', {
    fresh: async () => RedisEnrolmentStore.connect(`${redis.url}/${++db}`),
    twin: async () => RedisEnrolmentStore.connect(`${redis.url}/${db}`),
  });

  it('says where Redis is without its password, and fails clearly when it is not there', async () => {
    await expect(RedisEnrolmentStore.connect('redis://:hunter2@127.0.0.1:1')).rejects.toThrow(/cannot reach Redis at redis:\/\/…@127\.0\.0\.1:1 for enrolment/);
  });
});
