/** Steps of the family app that many suites take, done as a person would. */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** axe reports no violation on the page as it is now (up to three nodes of each are named). */
export async function axe(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const found = r.violations.map((v) => `${what}: ${v.id} (${v.nodes.length}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).slice(0, 3).join(' | ')}`);
  expect(found).toEqual([]);
}

/** The page is no wider than the window (elements that stick out, shadow roots included, are named in the failure). */
export async function noSidewaysScroll(page: Page, what: string): Promise<void> {
  const [scroll, client, widest] = await page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: Document | ShadowRoot) => root.querySelectorAll('*').forEach((el) => {
      const r = el.getBoundingClientRect();
      if (r.right > document.documentElement.clientWidth + 0.5 && out.length < 5) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} right=${Math.round(r.right)}`);
      if (el.shadowRoot) walk(el.shadowRoot);
    });
    walk(document);
    const s = document.scrollingElement!;
    return [s.scrollWidth, s.clientWidth, out.join('; ')] as const;
  });
  expect(scroll, `${what}: page is ${scroll}px wide in a ${client}px window (${widest})`).toBeLessThanOrEqual(client);
}

/**
 * The recovery screen after creating or joining: reads the phrase, says it is written down, and
 * types the two words the app asks for. Returns the phrase.
 */
export async function confirmRecovery(page: Page, timeout = 30_000): Promise<string> {
  await page.locator('#recovery-phrase li').first().waitFor({ timeout });
  const words = (await page.locator('#recovery-phrase li').allTextContents()).map((w) => w.trim());
  await page.locator('#recovery-written').click();
  for (const input of await page.locator('fv-recovery input.word').all()) {
    await input.fill(words[Number(await input.getAttribute('data-index'))]!);
  }
  await page.locator('#recovery-done').click();
  return words.join(' ');
}
