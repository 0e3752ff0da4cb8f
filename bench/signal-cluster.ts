/**
 * signal-cluster: three signal-server instances sharing rooms through Redis, against one
 * instance, under the same load (bench/support/signal-load.ts): 50 rooms × 4 peers, peer i of
 * each room on instance i % 3, so three of every four signals cross between instances through
 * Redis. figure = relayed msgs/s (wall clock, whole loop) with 3 instances; baseline = the same
 * with 1 instance; ratio = figure / baseline. On one machine all instances, Redis and the load
 * generator share its cores, so this measures the cost of sharing rooms, not the extra capacity
 * of more machines; the notes give CPU per message for servers and Redis.
 * Writes bench/results/signal-cluster.json. Loopback only; needs redis-server.
 */
import { startRedis } from '../signal-server/test/support/redis.ts';
import { writeResult } from './support/harness.ts';
import { processCpuUsage } from './support/proc-cpu.ts';
import { measureRelay, startChild, type Child, type CpuSource, type RelayRun } from './support/signal-load.ts';

const MESSAGES = Number(process.env.BENCH_SIGNAL_MESSAGES ?? 200_000);
const REPEATS = Number(process.env.BENCH_SIGNAL_REPEATS ?? 3);
const redis = await startRedis();
const round1 = (x: number) => Math.round(x * 10) / 10;
try {
  const runs: Record<'one' | 'three', RelayRun[]> = { one: [], three: [] };
  for (let i = 0; i < REPEATS; i++) {
    for (const n of (i % 2 === 0 ? [1, 3] : [3, 1]) as Array<1 | 3>) {
      const children: Child[] = [];
      for (let k = 0; k < n; k++) children.push(await startChild('uws', n > 1 ? redis.url : undefined));
      try {
        const sources: CpuSource[] = n > 1 ? [...children, { cpu: async () => processCpuUsage(redis.pid) }] : children;
        const r = await measureRelay(children.map((c) => c.port), sources, MESSAGES, `${n} instance(s)`);
        console.error(`[signal-cluster] ${n} instance(s) run ${i + 1}: ${Math.round(r.msgsPerSec)} msgs/s, ${(1e6 / r.msgsPerCpuSec).toFixed(1)} µs server${n > 1 ? '+Redis' : ''} CPU per message`);
        runs[n === 1 ? 'one' : 'three'].push(r);
      } finally {
        await Promise.all(children.map((c) => c.stop()));
      }
    }
  }
  const best = (rs: RelayRun[]) => rs.reduce((a, b) => (b.msgsPerSec > a.msgsPerSec ? b : a));
  const three = best(runs.three);
  const one = best(runs.one);
  writeResult({
    name: 'signal-cluster',
    figure: Math.round(three.msgsPerSec),
    baseline: Math.round(one.msgsPerSec),
    ratio: Math.round((three.msgsPerSec / one.msgsPerSec) * 100) / 100,
    unit: 'relayed msgs/s (wall clock)',
    goal: 'rooms shared across instances work under load; the ratio is the cost of sharing on one machine',
    notes: {
      load: `50 rooms x 4 peers, ${MESSAGES} signals of 200 chars to one peer, peer i on instance i % 3; best of ${REPEATS}, alternating`,
      cpuPerMessageUs: { threeInstancesPlusRedis: round1(1e6 / three.msgsPerCpuSec), oneInstance: round1(1e6 / one.msgsPerCpuSec) },
      generatorCpuPerMessageUs: round1(three.genCpuPerMsgUs),
      machine: 'all instances, redis-server and the Node load generator share this machine\'s cores',
    },
  });
} finally {
  await redis.stop();
}
