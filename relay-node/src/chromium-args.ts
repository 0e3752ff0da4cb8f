/**
 * Chromium command-line switches for the relay. Playwright already adds its defaults
 * (no first run, no sync, no component updates, no background networking, no timer
 * throttling for background pages), so these are what the relay adds on top.
 * The test-only loopback set mirrors e2e/support/chromium.ts `testChromiumArgs`
 * (see ../shared/TESTING.md) and is used only behind --test-loopback: a real relay on a home
 * network needs normal ICE (STUN/TURN from the signal server, mDNS).
 */

// Chromium keeps only the LAST --disable-features, so Playwright's own list is repeated
// (playwright-core 1.65) whenever we pass one.
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints',
  'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
];

export const PRODUCTION_ARGS: readonly string[] = [
  '--no-first-run', '--disable-sync', '--disable-component-update', '--disable-background-networking',
  '--disable-gpu',
];

export const TEST_LOOPBACK_ARGS: readonly string[] = [
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, 'WebRtcHideLocalIpsWithMdns'].join(',')}`,
];

export function relayChromiumArgs(opts: { testLoopback: boolean; isRoot: boolean }): string[] {
  const args = [...PRODUCTION_ARGS];
  // Chromium's sandbox cannot run as root; the CLI logs a warning when this applies.
  if (opts.isRoot) args.push('--no-sandbox');
  if (opts.testLoopback) args.push(...TEST_LOOPBACK_ARGS);
  return args;
}
