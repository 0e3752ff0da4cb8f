import { describe, expect, it } from 'vitest';
import { findBrowser } from '../src/find-browser.ts';

function deps(existing: string[], env: Record<string, string> = {}, playwright?: string) {
  const set = new Set(existing);
  return { env, isExecutable: (p: string) => set.has(p), playwrightPath: () => playwright };
}

describe('findBrowser', () => {
  it('prefers CHROMIUM_PATH', () => {
    expect(findBrowser(deps(['/opt/chrome', '/usr/bin/chromium'], { CHROMIUM_PATH: '/opt/chrome' }))).toEqual({ ok: true, path: '/opt/chrome', source: 'CHROMIUM_PATH' });
  });

  it('fails clearly when CHROMIUM_PATH names nothing, rather than picking another browser', () => {
    const r = findBrowser(deps(['/usr/bin/chromium'], { CHROMIUM_PATH: '/nonexistent' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/CHROMIUM_PATH=\/nonexistent is not an executable file.*apt-get install -y chromium/);
  });

  it('then Debian/Ubuntu Chromium, then Chrome, then Playwright\'s own', () => {
    const all = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/pw/chrome'];
    const order = [...all];
    while (order.length > 0) {
      const r = findBrowser(deps(order, {}, '/pw/chrome'));
      expect(r).toMatchObject({ ok: true, path: order[0] });
      order.shift();
    }
    expect(findBrowser(deps(['/pw/chrome'], {}, '/pw/chrome'))).toEqual({ ok: true, path: '/pw/chrome', source: 'playwright' });
  });

  it('skips Playwright\'s path when that browser was never downloaded', () => {
    const r = findBrowser(deps([], {}, '/root/.cache/ms-playwright/chromium-1/chrome'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/no Chromium or Chrome found.*sudo apt-get install -y chromium/);
  });

  it('an empty CHROMIUM_PATH counts as unset', () => {
    expect(findBrowser(deps(['/usr/bin/chromium'], { CHROMIUM_PATH: '' }))).toMatchObject({ ok: true, path: '/usr/bin/chromium' });
  });
});
