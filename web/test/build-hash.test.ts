import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceBuildHash } from '../../scripts/build-info.ts';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'fv-build-hash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('build hash (what Settings and /healthz show)', () => {
  it('is the same for the same sources anywhere, and changes when one app file changes, not when a test does', () => {
    const copy = join(tmp, 'copy');
    for (const p of ['web/src', 'web/index.html', 'web/relay.html', 'public', 'package-lock.json', 'vite.config.ts', 'vite.shims.ts', 'scripts/build-info.ts']) {
      cpSync(join(root, p), join(copy, p), { recursive: true });
    }
    const here = sourceBuildHash(root);
    expect(here).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceBuildHash(copy)).toBe(here);
    writeFileSync(join(copy, 'web/src/vault/__tests__/extra.test.ts'), 'export {};\n');
    expect(sourceBuildHash(copy)).toBe(here);
    writeFileSync(join(copy, 'web/src/ui/styles.ts'), '// one byte more\n', { flag: 'a' });
    expect(sourceBuildHash(copy)).not.toBe(here);
  });
});
