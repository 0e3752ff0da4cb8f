/**
 * Composition root of the relay page: no keys that decrypt, no UI beyond a status line. The
 * relay node (relay-node/) loads this page in its Chromium and drives it through window.fvRelay.
 */
import { startCryptoWorker } from '../crypto/client.ts';
import { startRelayPeer, type RelayPageConfig, type RelayPeer } from '../vault/relay-peer.ts';

const statusEl = document.getElementById('relay-status');
const show = (text: string) => {
  if (statusEl) statusEl.textContent = text;
};
show('Relay page loaded; waiting for the relay node to configure it.');

const crypto = startCryptoWorker();
let peer: RelayPeer | undefined;

const fvRelay = {
  async start(cfg: RelayPageConfig): Promise<void> {
    if (peer) throw new Error('relay already started');
    peer = await startRelayPeer(crypto, cfg, (line) => console.info(line));
    show(`Relay "${cfg.name}" running.`);
  },
  async status() {
    if (!peer) throw new Error('relay not started');
    return peer.status();
  },
  async selfCheck(opts: { sample: number }) {
    if (!peer) throw new Error('relay not started');
    return peer.selfCheck(opts);
  },
  async stop(): Promise<void> {
    await peer?.stop();
    peer = undefined;
    show('Relay stopped.');
  },
};

Object.assign(window, { fvRelay });
