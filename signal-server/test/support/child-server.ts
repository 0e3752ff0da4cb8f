/**
 * The real signal server in a process of its own, for tests that watch the process (its RSS,
 * whether it is still alive): `node --import tsx child-server.ts '<limits JSON>'`. Prints
 * `listening <url>`, logs nothing else, and stops cleanly on SIGTERM.
 */
import { startSignalServer } from '../../src/server.ts';

const limits = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const server = await startSignalServer({ host: '127.0.0.1', port: 0, limits, log: false });
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
console.log(`listening ${server.url}`);
