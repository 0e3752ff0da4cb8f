/**
 * The app's dialogs are its own (fv-dialog.ts), never the browser's alert()/confirm()/prompt():
 * the lint config must refuse them anywhere in web/src. Lints real source text with the
 * project's own config (typed rules and all), so a rule dropped or scoped away fails here.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../../../', import.meta.url).pathname;

describe('lint: no native dialogs in web/src', () => {
  it.each([
    ['web/src/ui/albums/fv-photos.ts', 'export const ask = (name: string) => prompt(`Name of the new album`, name);'],
    ['web/src/ui/devices/fv-devices.ts', 'export const sure = () => window.confirm("Remove this home?");'],
    ['web/src/vault/app-controller.ts', 'export const tell = () => globalThis.alert("locked");'],
  ])('%s: %s is an error', async (filePath, code) => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
    const found = result!.messages.filter((m) => m.ruleId === 'no-alert');
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe(2);
  });
});
