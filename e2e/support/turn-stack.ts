/** A real coturn and a signal server that hands out REST credentials for it, serving the harness pages. */
import { randomBytes } from 'node:crypto';
import { startCoturn, type Coturn } from './coturn.ts';
import { startSignalServer, type SignalServer } from './processes.ts';

export interface TurnStack {
  turn: Coturn;
  server: SignalServer;
  stop(): Promise<void>;
}

export async function startTurnStack(staticDir = 'e2e/harness/dist'): Promise<TurnStack> {
  const secret = randomBytes(24).toString('hex');
  const turn = await startCoturn({ secret });
  try {
    const server = await startSignalServer(['--static', staticDir, '--turn-secret', secret, '--turn-urls', `turn:127.0.0.1:${turn.port}?transport=udp`]);
    return { turn, server, stop: async () => { await server.stop(); await turn.stop(); } };
  } catch (e) {
    await turn.stop();
    throw e;
  }
}
