/**
 * WebKitGTK (Safari's engine) driven through WebKitWebDriver with selenium-webdriver, under Xvfb
 * (../shared/TESTING.md "Other engines"). The browser is support/webkit-browser.py, a small
 * WebKitGTK browser whose storage is on disk (MiniBrowser's automation mode has throwaway storage
 * where Blobs in IndexedDB fail). Debian's WebKitGTK has no RTCPeerConnection and its
 * createSyncAccessHandle throws NotSupportedError. Test-only: nothing leaves the namespace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webdriver, { type WebDriver } from 'selenium-webdriver';
import { freePort, repoRoot } from './processes.ts';

export const webkitDriverPath = (): string => process.env.WEBKIT_WEBDRIVER ?? '/usr/bin/WebKitWebDriver';
const BROWSER = `${repoRoot}e2e/support/webkit-browser.py`;

/** Why WebKit cannot run here (naming the Debian packages), or undefined when it can. */
export function webkitMissing(): string | undefined {
  const need: Array<[string, string]> = [
    [webkitDriverPath(), 'webkit2gtk-driver'],
    ['/usr/bin/xvfb-run', 'xvfb'],
    ['/usr/bin/xauth', 'xauth'],
    ['/usr/bin/python3', 'python3-gi'],
  ];
  const missing = need.filter(([path]) => !existsSync(path));
  // webkit-browser.py's imports: PyGObject with WebKit2 4.1 and GTK 3 introspection data.
  if (!missing.length) {
    const probe = spawnSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1'); from gi.repository import Gtk, WebKit2"], { encoding: 'utf8' });
    if (probe.status !== 0) missing.push([`PyGObject's WebKit2 4.1 (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`, 'python3-gi gir1.2-webkit2-4.1']);
  }
  if (!missing.length) return undefined;
  return `WebKitGTK cannot run: missing ${missing.map(([p]) => p).join(', ')} ` +
    `(Debian: apt-get install -y --no-install-recommends ${missing.map(([, pkg]) => pkg).join(' ')})`;
}

export interface WebKit {
  driver: WebDriver;
  /** Everything WebKitWebDriver and the browser printed. */
  output: () => string;
  close: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts Xvfb, WebKitWebDriver and a session on a fresh on-disk profile. */
export async function launchWebKit(): Promise<WebKit> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-webkit-'));
  const port = await freePort();
  // Its own process group, so that close() ends Xvfb, the driver and the browser together.
  const proc = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', webkitDriverPath(), `--port=${port}`, '--host=127.0.0.1'],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid) {
      const gone = new Promise((r) => proc.once('exit', r));
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([gone, sleep(5000)]);
      try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = `http://127.0.0.1:${port}`;
    const end = Date.now() + 20_000;
    while (!(await fetch(`${url}/status`).then((r) => r.ok, () => false))) {
      if (proc.exitCode !== null || Date.now() > end) throw new Error(`WebKitWebDriver did not start:\n${out}`);
      await sleep(100);
    }
    const caps = new webdriver.Capabilities({
      browserName: 'FamilyVaultWebKit',
      'webkitgtk:browserOptions': { binary: BROWSER, args: ['--automation', `--data-dir=${dir}`] },
    });
    // Without a display the session request hangs rather than failing: bound it.
    const driver = await withTimeout(new webdriver.Builder().usingServer(url).withCapabilities(caps).build(), 30_000, `WebKitWebDriver session\n${out}`);
    await driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
    return {
      driver,
      output: () => out,
      close: async () => {
        await withTimeout(driver.quit(), 10_000, 'closing the WebKit session').catch(() => undefined);
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
