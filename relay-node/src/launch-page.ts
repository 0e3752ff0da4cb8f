/**
 * One launch of the relay's browser: Chromium on the persistent profile, persistent storage
 * granted for the page origin (so the browser never evicts the relay's data), relay.html
 * loaded, `fvRelay.start(config)` called. The page's console goes to the log (errors as
 * errors, warnings as warnings, info and log as info, the rest at debug).
 * On any failure the half-started browser is closed before the error is rethrown.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { errorText, type Logger } from './log.ts';
import type { RelayPageConfig, RelayWindow } from './page-contract.ts';
import { withTimeout } from './timeout.ts';

export interface LaunchedPage {
  context: BrowserContext;
  page: Page;
  /** The browser's main process, from CDP; null if this Chromium does not say. */
  pid: number | null;
  storagePersisted: boolean | null;
  /** True once the browser is gone (closed, crashed or killed): nothing left to close. */
  exited(): boolean;
}

interface LaunchOptions {
  executablePath: string;
  headless: boolean;
  args: string[];
  handleSIGINT: boolean;
  handleSIGTERM: boolean;
  handleSIGHUP: boolean;
  timeout: number;
}

export interface LaunchPageOptions {
  launch: (profileDir: string, options: LaunchOptions) => Promise<BrowserContext>;
  executablePath: string;
  profileDir: string;
  args: string[];
  origin: string;
  pageUrl: string;
  pageConfig: RelayPageConfig;
  timeoutMs: number;
  log: Logger;
}

/** The page was served but does not speak the relay contract (stale or wrong build). */
export class RelayPageError extends Error {
  override name = 'RelayPageError';
}

const API_WAIT_MS = 15_000;

export async function launchRelayPage(o: LaunchPageOptions): Promise<LaunchedPage> {
  const context = await o.launch(o.profileDir, {
    executablePath: o.executablePath,
    headless: true,
    args: o.args,
    // relay-node handles signals itself: fvRelay.stop() must run before the browser closes.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    timeout: o.timeoutMs,
  });
  let exited = false;
  context.once('close', () => {
    exited = true;
  });
  try {
    const pid = await grantAndIdentify(context, o.origin, o.log);
    const page = context.pages()[0] ?? (await context.newPage());
    forwardConsole(page, o.log);
    await page.goto(o.pageUrl, { waitUntil: 'load', timeout: o.timeoutMs });
    try {
      await page.waitForFunction(() => typeof (window as RelayWindow).fvRelay?.start === 'function', undefined, { timeout: API_WAIT_MS });
    } catch (e) {
      throw new RelayPageError(
        `${o.pageUrl} did not provide window.fvRelay within ${API_WAIT_MS / 1000} s (${errorText(e).split('\n')[0]}). ` +
        'The web app it serves may be missing, out of date or not a relay build: run `npm run build` (or check --web-dir).',
      );
    }
    const storagePersisted = await page.evaluate(() => navigator.storage.persist()).catch((e: unknown) => {
      o.log.warn('storage-persist-failed', { error: errorText(e) });
      return null;
    });
    if (storagePersisted === false) o.log.warn('storage-not-persistent', { note: 'the browser may evict the relay\'s data under disk pressure' });
    await withTimeout(page.evaluate((cfg) => (window as RelayWindow).fvRelay!.start(cfg), o.pageConfig), o.timeoutMs, 'fvRelay.start()');
    return { context, page, pid, storagePersisted, exited: () => exited };
  } catch (e) {
    await withTimeout(context.close(), 10_000, 'closing the browser').catch((e2: unknown) => {
      o.log.warn('browser-close-failed', { error: errorText(e2) });
    });
    throw e;
  }
}

/**
 * Grants persistent storage to the page origin through CDP (Chromium otherwise answers
 * persist() with false and may evict under disk pressure) and asks for the browser's pid,
 * which /status reports so an operator (or a test) can find the process.
 * The CDP session stays attached for the browser's life: Chromium drops permission overrides
 * when the session that set them detaches (checked: persist() is then false again).
 */
async function grantAndIdentify(context: BrowserContext, origin: string, log: Logger): Promise<number | null> {
  const browser = context.browser();
  if (!browser) throw new Error('playwright gave no browser handle for the persistent context');
  const cdp = await browser.newBrowserCDPSession();
  await cdp.send('Browser.setPermission', { permission: { name: 'persistent-storage' }, setting: 'granted', origin });
  try {
    const info = await cdp.send('SystemInfo.getProcessInfo');
    return info.processInfo.find((p) => p.type === 'browser')?.id ?? null;
  } catch (e) {
    log.debug('browser-pid-unknown', { error: errorText(e) });
    return null;
  }
}

function forwardConsole(page: Page, log: Logger): void {
  page.on('console', (m) => {
    const type = m.type();
    const fields = { text: m.text(), at: m.location().url ? `${m.location().url}:${m.location().lineNumber}` : undefined };
    // The page's own event log (peers joining, refusals) comes as console.info: keep it at info.
    if (type === 'error') log.error('page-console', fields);
    else if (type === 'warning') log.warn('page-console', fields);
    else if (type === 'info' || type === 'log') log.info('page-console', fields);
    else log.debug('page-console', { ...fields, type });
  });
  page.on('pageerror', (e) => log.error('page-error', { error: e.message }));
}
