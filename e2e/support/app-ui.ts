/** Steps of the family app that many suites take, done as a person would. */
import type { Page } from '@playwright/test';

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
