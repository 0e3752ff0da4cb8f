/** WebKitGTK through WebKitWebDriver under Xvfb (../shared/TESTING.md "Other engines"). */
import type { WebDriver } from 'selenium-webdriver';

export function webkitMissing(): string | undefined {
  return 'the WebKitGTK test is not written yet (issue 11)';
}

export async function launchWebKit(): Promise<{ driver: WebDriver; close: () => Promise<void> }> {
  throw new Error('not yet');
}
