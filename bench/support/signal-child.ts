/**
 * A signal server in its own process for bench/signal.ts, so its CPU time and memory can be
 * measured apart from the load generator. argv[2]: 'uws' (ours), 'ws' (the same Hub on the `ws`
 * package) or 'bare' (the floor: bare-forwarder.ts); argv[3]:
 * a Redis URL to share rooms with other instances (uws only).
 * IPC: sends {ready, port}; answers 'cpu' with process.cpuUsage(), and 'mem' with the RSS after a GC
 * (run with --expose-gc).
 */
import { startSignalServer } from '../../signal-server/src/server.ts';
import { resolveLimits, type Limits } from '../../signal-server/src/limits.ts';
import { startBareForwarder } from './bare-forwarder.ts';
import { startWsSignalServer } from './ws-signal-server.ts';

const kind = process.argv[2];
// Generous limits: the benchmark measures forwarding, not refusals.
const limits: Partial<Limits> = { maxMsgsPerSec: 1_000_000, maxConnections: 10_000, maxRooms: 10_000, idleTimeoutMs: 600_000 };

const server = kind === 'uws'
  ? await startSignalServer({ host: '127.0.0.1', port: 0, limits, log: false, ...(process.argv[3] ? { redisUrl: process.argv[3] } : {}) })
  : kind === 'bare'
    ? await startBareForwarder({ host: '127.0.0.1', maxFrame: resolveLimits(limits).maxFrame, maxBackpressure: resolveLimits(limits).maxBackpressure })
    : await startWsSignalServer({ host: '127.0.0.1', port: 0, limits });

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (m: unknown) => {
  if (m === 'cpu') {
    process.send?.({ type: 'cpu', cpu: process.cpuUsage() });
  } else if (m === 'mem') {
    gc?.();
    gc?.();
    process.send?.({ type: 'mem', rss: process.memoryUsage().rss });
  } else if (m === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', port: server.port });
