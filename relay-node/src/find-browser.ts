/**
 * Which Chromium to drive. Order: CHROMIUM_PATH; Debian/Ubuntu Chromium; Google Chrome;
 * Playwright's own download (if one was installed). An explicit CHROMIUM_PATH that does not
 * exist is an error rather than a silent fallback: the operator asked for that browser.
 * The file system is injected so the order is unit-tested.
 */
export const BROWSER_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export const INSTALL_HINT =
  'Install Chromium with `sudo apt-get install -y chromium` (Debian; on Ubuntu: `sudo snap install chromium` ' +
  'or Google Chrome), or point CHROMIUM_PATH at a Chromium or Chrome executable.';

export interface FindBrowserDeps {
  env: Record<string, string | undefined>;
  /** true if the path is an existing file we may execute. */
  isExecutable: (path: string) => boolean;
  /** Playwright's own Chromium path (it may not be downloaded), or undefined; never throws. */
  playwrightPath: () => string | undefined;
}

export type FoundBrowser =
  | { ok: true; path: string; source: 'CHROMIUM_PATH' | 'system' | 'playwright' }
  | { ok: false; error: string };

export function findBrowser(deps: FindBrowserDeps): FoundBrowser {
  const explicit = deps.env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '') {
    if (deps.isExecutable(explicit)) return { ok: true, path: explicit, source: 'CHROMIUM_PATH' };
    return { ok: false, error: `CHROMIUM_PATH=${explicit} is not an executable file. ${INSTALL_HINT}` };
  }
  for (const p of BROWSER_CANDIDATES) if (deps.isExecutable(p)) return { ok: true, path: p, source: 'system' };
  const pw = deps.playwrightPath();
  if (pw && deps.isExecutable(pw)) return { ok: true, path: pw, source: 'playwright' };
  return { ok: false, error: `no Chromium or Chrome found (looked at CHROMIUM_PATH, ${BROWSER_CANDIDATES.join(', ')}, and Playwright's browsers). ${INSTALL_HINT}` };
}
