/** Hard-kills the Chromium processes that use a profile dir, as a power cut or the OOM killer would. */
import { readdir, readFile } from 'node:fs/promises';

/** PIDs of the Chromium processes using `userDataDir` (the browser process and its children). */
export async function chromiumPids(userDataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(`--user-data-dir=${userDataDir}`)) pids.push(Number(entry));
  }
  return pids;
}

export async function killProfile(userDataDir: string): Promise<number> {
  const pids = await chromiumPids(userDataDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // already gone: fine
    }
  }
  return pids.length;
}
