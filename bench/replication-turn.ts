/**
 * replication-turn: the replication of bench/replication.ts (FV_BENCH_MIB, default 256, MiB of
 * chunk-sized objects between two separate Chromium processes, ReplicationEngine over OPFS)
 * forced through a loopback coturn (iceTransportPolicy 'relay', REST credentials from the signal
 * server) versus the same replication direct, in the same run with the same signal server.
 * figure = TURN MiB/s, baseline = direct MiB/s. Each run uses two fresh browsers.
 */
import { randomBytes } from 'node:crypto';
import { startCoturn } from '../e2e/support/coturn.ts';
import { harnessServer, writeResult } from './support/harness.ts';
import { replicationRun, round, type ReplicationRun } from './support/replication.ts';

const mib = Number(process.env.FV_BENCH_MIB ?? 256);
const secret = randomBytes(24).toString('hex');
const turn = await startCoturn({ secret });
try {
  const server = await harnessServer(['--turn-secret', secret, '--turn-urls', turn.urls.join(',')]);
  try {
    const runs: Record<'direct' | 'turn', ReplicationRun> = {} as never;
    // TURN first, then direct: any drift in machine load over the run is not all on one side.
    for (const kind of ['turn', 'direct'] as const) {
      const r = await replicationRun(server, { mib, relay: kind === 'turn' });
      if (r.transport !== kind) throw new Error(`${kind} run went over ${r.transport}`);
      console.error(`[replication-turn] ${kind}: ${round(r.mibPerSec)} MiB/s; CPU ms/MiB sender ${r.cpu.senderMsPerMiB}, receiver ${r.cpu.receiverMsPerMiB}`);
      if (process.env.FV_BENCH_VERBOSE) console.error(JSON.stringify(r.cpu, null, 1));
      runs[kind] = r;
    }
    const t = runs.turn;
    const d = runs.direct;
    writeResult({
      name: 'replication-turn',
      figure: round(t.mibPerSec),
      baseline: round(d.mibPerSec),
      ratio: round(t.mibPerSec / d.mibPerSec, 3),
      unit: 'MiB/s',
      goal: '>= 0.6',
      notes: {
        what: `${t.objects} objects of ${t.objectBytes} B (${mib} MiB) replicated sender OPFS → receiver OPFS between two separate Chromium ` +
          'processes (fresh persistent profiles per run), timed from session open to the last object stored; figure through coturn on ' +
          `loopback (iceTransportPolicy relay, ${turn.urls.join(' + ')} offered), baseline direct, same run, same signal server`,
        turn: { steadyMiBps: round(t.mibPerSecSteady), connectMs: t.connectMs, ms: t.totalMs, senderBuffer: t.senderBuffer, cpuMsPerMiB: { sender: t.cpu.senderMsPerMiB, receiver: t.cpu.receiverMsPerMiB } },
        direct: { steadyMiBps: round(d.mibPerSecSteady), connectMs: d.connectMs, ms: d.totalMs, senderBuffer: d.senderBuffer, cpuMsPerMiB: { sender: d.cpu.senderMsPerMiB, receiver: d.cpu.receiverMsPerMiB } },
        coturnCpuNote: 'coturn\'s own CPU (a third process relaying every packet twice on the same 2 cores) is not in the browsers\' CPU figures',
      },
    });
  } finally {
    await server.stop();
  }
} finally {
  await turn.stop();
}
