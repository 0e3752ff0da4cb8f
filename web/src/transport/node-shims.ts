/**
 * simple-peer's readable-stream expects Node globals. Import this module before simple-peer.
 * The aliases in vite.shims.ts map these specifiers to the npm browser packages.
 */
import { Buffer } from 'buffer';
import process from 'process';

const g = globalThis as unknown as { Buffer?: typeof Buffer; process?: typeof process };
g.Buffer ??= Buffer;
g.process ??= process;
