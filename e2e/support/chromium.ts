/**
 * Starts Debian's Chromium (or CHROMIUM_PATH) with the flags that keep every packet on loopback
 * and let WebRTC gather loopback candidates. See ../shared/TESTING.md. Test-only settings.
 */
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';

export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Chromium keeps only the last --disable-features, so Playwright's own list is repeated here.
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints',
  'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
];

export const testChromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, 'WebRtcHideLocalIpsWithMdns'].join(',')}`,
];

function options(extra?: LaunchOptions): LaunchOptions {
  return { executablePath: chromiumPath(), headless: true, args: testChromiumArgs, ...extra };
}

/** A separate Chromium process (its own renderer, network stack and profile). */
export function launchChromium(extra?: LaunchOptions): Promise<Browser> {
  return chromium.launch(options(extra));
}

/** A Chromium process with an on-disk profile that survives restarts (OPFS, IndexedDB). */
export function launchPersistentChromium(userDataDir: string, extra?: LaunchOptions): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, options(extra));
}
