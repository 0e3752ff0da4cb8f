import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirError, openDataDir, type DataDirFs } from '../src/data-dir.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'fv-relay-data-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('openDataDir', () => {
  it('records the origin and a peer id at first start, and keeps them', async () => {
    const data = join(dir, 'relay');
    const first = await openDataDir(data, 'http://127.0.0.1:8788');
    expect(first.created).toBe(true);
    expect(first.profileDir).toBe(join(data, 'profile'));
    expect(first.state.peerId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const onDisk = JSON.parse(await fs.readFile(join(data, 'relay.json'), 'utf8'));
    expect(onDisk).toMatchObject({ format: 1, origin: 'http://127.0.0.1:8788', peerId: first.state.peerId });
    expect((await fs.stat(join(data, 'relay.json'))).mode & 0o777).toBe(0o600);
    const again = await openDataDir(data, 'http://127.0.0.1:8788');
    expect(again.created).toBe(false);
    expect(again.state).toEqual(first.state);
  });

  it('refuses the same data dir on another origin, and says how to start it', async () => {
    await openDataDir(dir, 'http://127.0.0.1:8788');
    const e = await openDataDir(dir, 'http://127.0.0.1:9999').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataDirError);
    expect((e as Error).message).toMatch(/belongs to the relay page origin http:\/\/127\.0\.0\.1:8788/);
    expect((e as Error).message).toMatch(/Start it with --page-port 8788/);
    // Nothing was changed by the refused start.
    expect(JSON.parse(await fs.readFile(join(dir, 'relay.json'), 'utf8')).origin).toBe('http://127.0.0.1:8788');
  });

  it('refuses a profile whose relay.json is missing or damaged, rather than guessing its origin', async () => {
    await fs.mkdir(join(dir, 'profile', 'Default'), { recursive: true });
    await expect(openDataDir(dir, 'http://127.0.0.1:8788')).rejects.toThrow(/no relay\.json/);
    await fs.writeFile(join(dir, 'relay.json'), '{"origin": ');
    await expect(openDataDir(dir, 'http://127.0.0.1:8788')).rejects.toThrow(/not valid JSON.*restore it/);
    await fs.writeFile(join(dir, 'relay.json'), '{"format": 2, "origin": "http://127.0.0.1:8788", "peerId": "abcdefghijklmnopqrstuv"}');
    await expect(openDataDir(dir, 'http://127.0.0.1:8788')).rejects.toThrow(/unknown "format"/);
  });

  it('says clearly when the data dir cannot be written', async () => {
    const readOnly: DataDirFs = { ...fs, writeFile: () => Promise.reject(Object.assign(new Error("EACCES: permission denied, open 'x'"), { code: 'EACCES' })) };
    await expect(openDataDir(dir, 'http://127.0.0.1:8788', readOnly)).rejects.toThrow(/is not writable by this user: EACCES.*chown/);
    const noMkdir = { ...fs, mkdir: () => Promise.reject(new Error('EACCES: permission denied, mkdir')) } as unknown as DataDirFs;
    await expect(openDataDir(join(dir, 'x'), 'http://127.0.0.1:8788', noMkdir)).rejects.toThrow(/cannot create the data dir/);
  });

  it('a data path that is a file is refused', async () => {
    const file = join(dir, 'file');
    await fs.writeFile(file, 'x');
    await expect(openDataDir(file, 'http://127.0.0.1:8788')).rejects.toThrow(DataDirError);
  });
});
