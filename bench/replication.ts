/**
 * replication: throughput of replicating FV_BENCH_MIB (default 256) MiB of chunk-sized objects
 * (1 MiB + 18 B, like encrypted chunks) between two separate Chromium processes on loopback,
 * through the real signal server, WebRTC (direct) and the ReplicationEngine over OPFS, versus
 * a bare simple-peer data-channel blast of the same size in messages of the protocol's frame
 * size (256 KiB) between the same two processes, first 8 MiB excluded (SCTP ramp-up).
 * The blast runs before and after the replication; the baseline is their mean.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { harnessServer, writeResult } from './support/harness.ts';
import { bareBlast, FRAME_BYTES, replicationRun, round, type BlastRun } from './support/replication.ts';

const mib = Number(process.env.FV_BENCH_MIB ?? 256);
const engineConfig = process.env.FV_BENCH_ENGINE_CONFIG ? JSON.parse(process.env.FV_BENCH_ENGINE_CONFIG) as Record<string, unknown> : undefined;
/** Profiling knob: FV_BENCH_STORE=memory|idb to see what the OPFS store costs. */
const store = (process.env.FV_BENCH_STORE ?? 'opfs') as 'opfs' | 'idb' | 'memory';
/** Profiling knob: FV_BENCH_WHATIF=memoHash,trustReads (see e2e/harness/bench-replication.ts). */
const whatIf = process.env.FV_BENCH_WHATIF
  ? Object.fromEntries(process.env.FV_BENCH_WHATIF.split(',').map((k) => [k.trim(), true])) as { memoHash?: boolean; trustReads?: boolean }
  : undefined;
/** Profiling knob: FV_BENCH_PROFILE=DIR writes CPU profiles of both pages' main threads over the replication. */
const profileDir = process.env.FV_BENCH_PROFILE;
const server = await harnessServer();
try {
  const blasts: BlastRun[] = [];
  const blast = async (s: Parameters<typeof bareBlast>[0], r: Parameters<typeof bareBlast>[1]) => {
    const b = await bareBlast(s, r, { mib, warmMiB: 8, messageBytes: FRAME_BYTES });
    console.error(`[replication] bare blast: ${round(b.mibPerSec)} MiB/s (${b.path}); CPU ms/MiB sender ${b.cpu.senderMsPerMiB}, receiver ${b.cpu.receiverMsPerMiB}; UDP ${JSON.stringify(b.cpu.udp)}`);
    if (process.env.FV_BENCH_VERBOSE) console.error(JSON.stringify(b.cpu, null, 1));
    blasts.push(b);
  };
  let profilers: CDPSession[] = [];
  const run = await replicationRun(server, {
    mib, relay: false, store, ...(whatIf ? { whatIf } : {}), before: blast, ...(engineConfig ? { engineConfig } : {}),
    ...(profileDir ? {
      atStart: async (sender, receiver) => {
        profilers = await Promise.all([sender, receiver].map(async (d) => {
          const cdp = await d.context.newCDPSession(d.page);
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
          await cdp.send('Profiler.start');
          return cdp;
        }));
      },
    } : {}),
    alsoWith: async (sender, receiver) => {
      if (profileDir) {
        mkdirSync(profileDir, { recursive: true });
        for (const [i, name] of ['sender', 'receiver'].entries()) {
          const { profile } = await profilers[i]!.send('Profiler.stop');
          writeFileSync(join(profileDir, `replication-${name}.cpuprofile`), JSON.stringify(profile));
        }
        console.error(`[replication] CPU profiles of both pages in ${profileDir}`);
      }
      await blast(sender, receiver);
    },
  });
  console.error(`[replication] replication: ${round(run.mibPerSec)} MiB/s over ${run.transport}; CPU ms/MiB sender ${run.cpu.senderMsPerMiB}, receiver ${run.cpu.receiverMsPerMiB}; UDP ${JSON.stringify(run.cpu.udp)}; sender buffer ${JSON.stringify(run.senderBuffer)}`);
  if (process.env.FV_BENCH_VERBOSE) console.error(JSON.stringify(run.cpu, null, 1));
  const baseline = blasts.reduce((n, b) => n + b.mibPerSec, 0) / blasts.length;
  writeResult({
    name: 'replication',
    figure: round(run.mibPerSec),
    baseline: round(baseline),
    ratio: round(run.mibPerSec / baseline, 3),
    unit: 'MiB/s',
    goal: '>= 0.8',
    notes: {
      what: `${run.objects} objects of ${run.objectBytes} B (${mib} MiB) put into the sender's OPFS store, pulled by a relay-policy receiver ` +
        'into its OPFS store; figure = bytes / (session open → last object stored at the receiver); two separate Chromium processes, ' +
        `persistent profiles, loopback, transport ${run.transport}. Baseline: bare simple-peer data channel, same processes, ${FRAME_BYTES} B messages, ` +
        `4 MiB high-water, ${mib} MiB after 8 MiB warm-up, mean of a blast before and one after the replication.`,
      blastsMiBps: blasts.map((b) => round(b.mibPerSec)),
      blastPath: blasts[0]?.path,
      replicationSteadyMiBps: round(run.mibPerSecSteady),
      replicationFromJoinMiBps: round(run.mibPerSecFromJoin),
      connectMs: run.connectMs,
      replicationMs: run.totalMs,
      senderFillMs: run.fillMs,
      senderBuffer: run.senderBuffer,
      cpuMsPerMiB: {
        replication: { sender: run.cpu.senderMsPerMiB, receiver: run.cpu.receiverMsPerMiB },
        blast: blasts.map((b) => ({ sender: b.cpu.senderMsPerMiB, receiver: b.cpu.receiverMsPerMiB })),
      },
      udpDrops: { replication: run.cpu.udp.rcvbufErrors, blasts: blasts.map((b) => b.cpu.udp.rcvbufErrors) },
      wireOverhead: round(run.receiverBytesIn > 0 ? run.senderBytesOut / (run.objects * run.objectBytes) : 0, 4),
      ...(engineConfig ? { engineConfig } : {}),
      ...(store !== 'opfs' ? { store } : {}),
      ...(whatIf ? { whatIf } : {}),
    },
  });
} finally {
  await server.stop();
}
