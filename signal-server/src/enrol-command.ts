/**
 * The admin's enrolment commands (`npm run signal -- enroll | enrolled | unenroll ROOM`). They
 * work on the store the running server reads (the same file, or Redis), so no restart is needed.
 */
import type { EnrolCommand } from './args.ts';
import { openEnrolmentStore } from './server.ts';

/** Runs one command; returns the exit code. `out` gets what a person reads. */
export async function runEnrolCommand(run: EnrolCommand, where: { file: string } | { redis: string }, out: (line: string) => void): Promise<number> {
  const store = await openEnrolmentStore(where, (e) => out(`redis: ${e instanceof Error ? e.message : String(e)}`));
  try {
    const now = Date.now();
    switch (run.command) {
      case 'enroll': {
        const days = run.days;
        const code = await store.mint(now + days * 86_400_000, now);
        out(`Enrolment code: ${code}`);
        out('');
        out(`One family, used once, valid ${days} day${days === 1 ? '' : 's'} (stored in ${store.where}).`);
        out('Give it to the person who creates the family\'s vault: they enter it as "Server code" when');
        out(`creating the vault (or in Devices & homes), or open the app at https://YOUR-SERVER/#enrol=${code.replace(/-/g, '')}`);
        return 0;
      }
      case 'enrolled': {
        const rooms = await store.list();
        const families = new Map<string, number>();
        for (const r of rooms) families.set(r.family, (families.get(r.family) ?? 0) + 1);
        out(`${rooms.length} enrolled room${rooms.length === 1 ? '' : 's'} in ${families.size} famil${families.size === 1 ? 'y' : 'ies'}; ${await store.pendingCodes(now)} unused code(s). (${store.where})`);
        for (const r of rooms.sort((a, b) => a.at - b.at)) {
          out(`  ${r.room}  ${new Date(r.at).toISOString()}  ${r.via === 'code' ? 'code' : `vouched by ${r.by?.slice(0, 8) ?? '?'}`}  family ${r.family.slice(0, 8)}`);
        }
        return 0;
      }
      case 'unenroll': {
        const matches = (await store.list()).filter((r) => r.room === run.room || (run.room.length >= 8 && r.room.startsWith(run.room)));
        if (matches.length !== 1) {
          out(matches.length === 0 ? `unenroll: no enrolled room is ${run.room}` : `unenroll: ${run.room} matches ${matches.length} rooms; give more characters`);
          return 1;
        }
        await store.remove(matches[0]!.room);
        out(`Unenrolled ${matches[0]!.room}: it gets no TURN credentials from now on, and its devices are refused at their next join.`);
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}
