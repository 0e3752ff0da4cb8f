/**
 * Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (../shared/TESTING.md "Other
 * engines"): quiet prefs, nothing leaves loopback. WebRTC gathers no candidate here unless the
 * namespace has a default-route address (TESTING.md); the transport suite relies on exactly that
 * to get Firefox's immediate "ICE failed".
 */
import puppeteer, { type Browser } from 'puppeteer-core';

export const firefoxPath = (): string => process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const QUIET_PREFS: Record<string, unknown> = {
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'app.normandy.enabled': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'extensions.update.enabled': false,
  'media.gmp-manager.url': '',
  'browser.search.update': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.predictor.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.trr.mode': 5,
  'services.settings.server': 'data:,#dummy/v1',
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'dom.storage_access.enabled': false,
  'permissions.default.persistent-storage': 1,
};

/** `prefs` add to (or override) the quiet ones, e.g. to see what a pref changes. */
export function launchFirefox(prefs: Record<string, unknown> = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    extraPrefsFirefox: { ...QUIET_PREFS, ...prefs },
    env: { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' },
  });
}
