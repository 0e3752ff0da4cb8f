/** Opens a harness page (e2e/harness/*.html) and waits for the API it puts on `window`. */
import type { Browser, BrowserContext, Page } from '@playwright/test';

export async function openHarnessPage(
  owner: Browser | BrowserContext, url: string, global: string, name: string,
): Promise<Page> {
  const page = await owner.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[${name}]`, m.text());
  });
  await page.goto(url);
  await page.waitForFunction((g) => g in window, global);
  return page;
}

/** Calls window.fvVault[fn](arg) in a vault harness page. */
export const vault = (page: Page, fn: string, arg?: unknown): Promise<any> =>
  page.evaluate(([f, a]) => (window as any).fvVault[f as string](a), [fn, arg] as const);
