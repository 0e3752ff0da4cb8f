/**
 * What `/healthz` says: ok, and which build of the app this server serves (the `build.json` the
 * app's build writes next to it: the source hash the app also shows in its Settings), so a
 * family or a monitor can see that the server still serves the release they expect.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function healthBody(staticDir: string | undefined): string {
  if (!staticDir) return '{"ok":true}';
  try {
    const j = JSON.parse(readFileSync(join(staticDir, 'build.json'), 'utf8')) as { build?: unknown; version?: unknown };
    const build = typeof j.build === 'string' && /^[0-9a-f]{64}$/.test(j.build) ? j.build : undefined;
    const version = typeof j.version === 'string' && j.version.length <= 32 ? j.version : undefined;
    return JSON.stringify({ ok: true, ...(build ? { build } : {}), ...(version ? { version } : {}) });
  } catch {
    return '{"ok":true}'; // a static dir without build.json (not the app's build)
  }
}
