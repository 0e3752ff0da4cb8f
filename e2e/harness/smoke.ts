/**
 * Smoke harness: two browsers meet through the signal server and open a simple-peer data channel.
 * Driven by e2e/smoke.spec.ts through window.fvSmoke.
 */
import { deriveVaultKeys, signJoin } from '../../web/src/crypto/vault-keys.ts';
import { SignalClient } from '../../web/src/transport/signal-client.ts';
import { selectedPath } from '../../web/src/transport/webrtc-transport.ts';
import { SimplePeer, type SimplePeerInstance, type SignalData } from '../../web/src/transport/simple-peer.ts';
import { fromHex, toHex } from '../../web/src/core/bytes.ts';

interface StartOptions { url: string; vaultSecretHex: string; peer: string; forceRelay: boolean }

let client: SignalClient;
let peer: SimplePeerInstance | undefined;
let received: Uint8Array[] = [];
let receivedBytes = 0;
let iceServers: RTCIceServer[] = [];
let forceRelay = false;
const log: string[] = [];

function makePeer(initiator: boolean, remote: string): SimplePeerInstance {
  const p = new SimplePeer({
    initiator,
    trickle: true,
    config: { iceServers, iceTransportPolicy: forceRelay ? 'relay' : 'all' },
  });
  p.on('signal', (data: SignalData) => client.signal(JSON.stringify(data), remote));
  p.on('data', (chunk: Uint8Array) => {
    received.push(chunk);
    receivedBytes += chunk.length;
  });
  p.on('error', (e: Error) => log.push(`peer error: ${e.message}`));
  p.on('connect', () => log.push('connected'));
  return p;
}

async function start(o: StartOptions): Promise<void> {
  forceRelay = o.forceRelay;
  const keys = deriveVaultKeys(fromHex(o.vaultSecretHex));
  client = new SignalClient({
    url: o.url, room: keys.roomId, peer: o.peer,
    signJoin: (nonce) => signJoin(keys.roomSecretKey, nonce, keys.roomId, o.peer),
  });
  const joined = new Promise<void>((resolve) => client.on('joined', () => resolve()));
  client.on('signal', ({ from, data }) => {
    peer ??= makePeer(false, from);
    peer.signal(JSON.parse(data) as SignalData);
  });
  client.start();
  await joined;
  const turn = await client.requestTurn();
  iceServers = turn.iceServers;
}

function dial(remote: string): void {
  peer = makePeer(true, remote);
}

async function connected(): Promise<void> {
  while (!peer?.connected) await new Promise((r) => setTimeout(r, 20));
}

/** Sends `bytes` of pseudo-random data with back-pressure; returns its SHA-256. */
async function send(bytes: number): Promise<string> {
  const p = peer!;
  const all = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(all.subarray(o, Math.min(bytes, o + 65536)));
  const chunk = 64 * 1024;
  const channel = (p as unknown as { _channel: RTCDataChannel })._channel;
  channel.bufferedAmountLowThreshold = 1 << 20;
  for (let o = 0; o < bytes; o += chunk) {
    if (channel.bufferedAmount > 4 << 20) {
      await new Promise<void>((r) => channel.addEventListener('bufferedamountlow', () => r(), { once: true }));
    }
    p.send(all.subarray(o, Math.min(bytes, o + chunk)));
  }
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', all)));
}

async function receivedHash(expected: number, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  while (receivedBytes < expected) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`received ${receivedBytes} of ${expected} bytes`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const all = new Uint8Array(receivedBytes);
  let o = 0;
  for (const c of received) {
    all.set(c, o);
    o += c.length;
  }
  received = [];
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', all)));
}

/** The selected ICE path (web/src/transport/webrtc-transport.ts). */
function path() {
  return selectedPath((peer as unknown as { _pc: RTCPeerConnection })._pc);
}

Object.assign(window, { fvSmoke: { start, dial, connected, send, receivedHash, selectedPath: path, log, iceServers: () => iceServers } });
