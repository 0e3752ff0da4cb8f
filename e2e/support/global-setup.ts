/**
 * Builds what the browser suite serves: the app (web/dist) and the harness pages
 * (e2e/harness/dist). Refuses to run outside the loopback-only namespace unless told to.
 */
import { execFileSync } from 'node:child_process';
import { repoRoot } from './processes.ts';

export default function globalSetup(): void {
  if (process.env.FV_NETNS !== '1' && process.env.FV_ALLOW_HOST_NETWORK !== '1') {
    throw new Error('The browser suite must run in a loopback-only network namespace: use `npm run test:browser` ' +
      '(or set FV_ALLOW_HOST_NETWORK=1 if you know what you are doing).');
  }
  if (process.env.FV_SKIP_BUILD === '1') return;
  const vite = `${repoRoot}/node_modules/vite/bin/vite.js`;
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  execFileSync(process.execPath, [vite, 'build', '--config', 'e2e/harness/vite.config.ts'], { cwd: repoRoot, stdio: 'inherit' });
}
