/**
 * The files in deploy/ are what an admin copies onto a server, so they are checked here:
 * the systemd units with `systemd-analyze verify` (Debian's systemd package), and the coturn
 * config for the settings docs/operations.md promises.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));
const units = ['family-vault-signal.service', 'family-vault-relay.service'];
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** Lines that are settings, not comments or blank. */
async function settings(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
}

describe('deploy/systemd', () => {
  it.skipIf(!analyze)(`units pass systemd-analyze verify${analyze ? '' : ' (SKIPPED: no systemd-analyze; apt-get install systemd)'}`, async () => {
    // verify insists the ExecStart binary exists: point the copies at this machine's node.
    const tmp = await mkdtemp(join(tmpdir(), 'fv-units-'));
    try {
      const paths: string[] = [];
      for (const u of units) {
        const text = await readFile(join(deploy, 'systemd', u), 'utf8');
        expect(text).toMatch(/^ExecStart=\/usr\/bin\/node --import tsx /m);
        await writeFile(join(tmp, u), text.replaceAll('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
        paths.push(join(tmp, u));
      }
      const r = await new Promise<{ code: number; out: string }>((resolve) => {
        execFile(analyze!, ['verify', '--man=no', ...paths], { timeout: 20_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
        });
      });
      expect(r.code, r.out).toBe(0);
      // Unknown keys and unparsable values are warnings with exit 0: any line naming a unit fails.
      expect(r.out.split('\n').filter((l) => units.some((u) => l.includes(u))), r.out).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('run node directly with the real entry points, hardened, restarting on failure', async () => {
    const signal = await settings(join(deploy, 'systemd', units[0]!));
    const relay = await settings(join(deploy, 'systemd', units[1]!));
    const exec = (s: string[]) => s.find((l) => l.startsWith('ExecStart='))!;
    expect(exec(signal)).toMatch(/^ExecStart=\/usr\/bin\/node --import tsx signal-server\/src\/cli\.ts /);
    expect(exec(relay)).toMatch(/^ExecStart=\/usr\/bin\/node --import tsx relay-node\/src\/cli\.ts --data \/var\/lib\/family-vault-relay\/data /);
    const pkg = JSON.parse(await readFile(join(deploy, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The units run what `npm run signal` / `npm run relay` run, minus npm.
    expect(exec(signal)).toContain(`/usr/bin/${pkg.scripts.signal} `);
    expect(exec(relay)).toContain(`/usr/bin/${pkg.scripts.relay} `);
    for (const s of [signal, relay]) {
      expect(s).toContain('ProtectSystem=strict');
      expect(s).toContain('Restart=on-failure');
      expect(s).toContain('WorkingDirectory=/opt/family-vault');
    }
    expect(signal).toContain('DynamicUser=yes');
    // The enrolment file (which families may use the server) lives in its state directory.
    expect(signal).toEqual(expect.arrayContaining(['StateDirectory=family-vault-signal', 'StateDirectoryMode=0700']));
    expect(exec(signal)).not.toContain('--no-enrolment');
    expect(relay).toEqual(expect.arrayContaining(['User=fvrelay', 'StateDirectory=family-vault-relay', 'KillMode=mixed']));
  });
});

describe('deploy/coturn/turnserver.conf', () => {
  it('uses REST credentials from a shared secret and never allows loopback peers', async () => {
    const conf = await settings(join(deploy, 'coturn', 'turnserver.conf'));
    expect(conf).toEqual(expect.arrayContaining(['use-auth-secret', 'no-cli', 'fingerprint']));
    expect(conf.some((l) => /^static-auth-secret=\S+/.test(l))).toBe(true);
    expect(conf.some((l) => /^realm=\S+/.test(l))).toBe(true);
    // Not even in a comment: a copied-and-uncommented line must not open the host's loopback.
    expect(await readFile(join(deploy, 'coturn', 'turnserver.conf'), 'utf8')).not.toMatch(/allow-loopback-peers/);
    expect(conf).toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
    const min = Number(conf.find((l) => l.startsWith('min-port='))?.split('=')[1]);
    const max = Number(conf.find((l) => l.startsWith('max-port='))?.split('=')[1]);
    expect(min).toBeGreaterThanOrEqual(49152);
    expect(max).toBeGreaterThan(min);
    expect(max).toBeLessThanOrEqual(65535);
  });
});
