/**
 * sync-bytes-webrtc: the sync-bytes reconnect (bench/sync-bytes.ts) between two real browsers.
 * Two separate Chromium processes with persistent profiles, through the real signal server and a
 * direct WebRTC data channel, each running the replication node as the app and the relay page
 * wire it (startReplicationNode: signal client, dialer, ReplicationEngine, OPFS object store and
 * IndexedDB index, crypto worker; harness e2e/harness/bench-replication.ts): a "phone" (role
 * member) and a "relay" (role relay, wants every object).
 *
 * The phone holds FV_BENCH_OBJECTS (default 10,000) small objects; the relay pulls them all and
 * both settle. The phone goes offline (its node stops; the link closes), gets 10 new chunk-sized
 * objects, and comes back as the same device (same peer id and key, so the relay has its
 * inventory cursor). Counted on the reconnect's link until both sides are quiet: every
 * data-channel message byte both ways (RTCDataChannelStats.bytesSent of the two sides: handshake,
 * op vectors, inventory sync, wants, acks, object frames), minus the new objects' payload bytes,
 * minus heartbeat ping/pong frames (liveness, which grows with how long the link is watched; in
 * notes). The DTLS transport's bytes (SCTP + DTLS headers, SCTP acks) are in notes. figure =
 * that number; ratio = figure (the rule for this bench, as for sync-bytes), baseline 1.
 */
import { randomBytes } from 'node:crypto';
import { udpCounters, udpDiff } from './support/proc-cpu.ts';
import { harnessServer, writeResult } from './support/harness.ts';
import { call, CHUNK_OBJECT_BYTES, launchDevice, type Device } from './support/replication.ts';

const SYNCED = Number(process.env.FV_BENCH_OBJECTS ?? 10_000);
const NEW = 10;
const SYNCED_BYTES = 64;
const log = (s: string) => console.error(`[sync-bytes-webrtc] ${s}`);

interface LinkBytes {
  bytesIn: number;
  bytesOut: number;
  bytesOutByType: Record<string, number>;
  framesOutByType: Record<string, number>;
  jobs: { queued: number; sending: number; failed: number };
  transport: string;
  dataChannel: { bytesSent: number; bytesReceived: number; messagesSent: number; messagesReceived: number };
  dtls: { bytesSent: number; bytesReceived: number; packetsSent: number; packetsReceived: number };
}

async function waitFor(what: string, ms: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const liveness = (l: LinkBytes) => (l.bytesOutByType.ping ?? 0) + (l.bytesOutByType.pong ?? 0);

/** Both sides' link bytes once nothing but heartbeats has moved for 2 s and no job is left. */
async function settled(phone: Device, relay: Device, phoneId: string, relayId: string): Promise<{ phone: LinkBytes; relay: LinkBytes }> {
  let last = '';
  let still = 0;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const p = await call<LinkBytes | undefined>(phone, 'linkBytes', { peerId: relayId });
    const r = await call<LinkBytes | undefined>(relay, 'linkBytes', { peerId: phoneId });
    if (p && r) {
      const key = JSON.stringify([p.bytesOut - liveness(p), r.bytesOut - liveness(r), p.jobs, r.jobs]);
      const idle = p.jobs.queued + p.jobs.sending + r.jobs.queued + r.jobs.sending === 0;
      still = key === last && idle ? still + 1 : 0;
      last = key;
      if (still >= 4) return { phone: p, relay: r };
    }
    if (Date.now() > deadline) throw new Error(`links did not settle: ${JSON.stringify({ p, r })}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

const server = await harnessServer();
const phone = await launchDevice(server, 'phone');
const relay = await launchDevice(server, 'relay');
try {
  const common = { signalUrl: server.wsUrl, vaultSecretHex: randomBytes(32).toString('hex'), relay: false, store: 'opfs' };
  // 64 pulls in flight only speeds up the initial sync, which is not measured.
  const { peerId: phoneId } = await call<{ peerId: string }>(phone, 'start', { ...common, role: 'member' });
  let t = Date.now();
  await call(phone, 'fill', { count: SYNCED, size: SYNCED_BYTES });
  log(`phone filled with ${SYNCED} objects in ${Date.now() - t} ms`);
  t = Date.now();
  const { peerId: relayId } = await call<{ peerId: string }>(relay, 'start', { ...common, role: 'relay', engineConfig: { maxConcurrentPulls: 64 } });
  await waitFor('the initial sync', 600_000, async () => (await call(relay, 'status')).progress.objects >= SYNCED);
  const initial = await settled(phone, relay, phoneId, relayId);
  log(`initial sync of ${SYNCED} objects in ${Date.now() - t} ms: ${initial.phone.dataChannel.bytesSent + initial.relay.dataChannel.bytesSent} B`);

  await call(phone, 'goOffline');
  await waitFor('the relay to see the phone leave', 30_000, async () =>
    !(await call<{ peers: { peerId: string; state: string }[] }>(relay, 'status')).peers.some((p) => p.peerId === phoneId && p.state === 'open'));
  await call(phone, 'fill', { count: NEW, size: CHUNK_OBJECT_BYTES });

  t = Date.now();
  const u0 = udpCounters();
  await call(phone, 'comeBack');
  await waitFor('the reconnect sync', 120_000, async () => (await call(relay, 'status')).progress.objects >= SYNCED + NEW);
  const reconnectMs = Date.now() - t;
  const r = await settled(phone, relay, phoneId, relayId);
  const udp = udpDiff(u0, udpCounters());
  const payload = NEW * CHUNK_OBJECT_BYTES;
  const dcBytes = r.phone.dataChannel.bytesSent + r.relay.dataChannel.bytesSent;
  const heartbeats = liveness(r.phone) + liveness(r.relay);
  const figure = dcBytes - payload - heartbeats;
  const byType: Record<string, number> = {};
  for (const side of [r.phone, r.relay]) for (const [k, n] of Object.entries(side.bytesOutByType)) byType[k] = (byType[k] ?? 0) + n;
  const frames: Record<string, number> = {};
  for (const side of [r.phone, r.relay]) for (const [k, n] of Object.entries(side.framesOutByType)) frames[k] = (frames[k] ?? 0) + n;
  if (r.phone.transport !== 'direct') throw new Error(`the link is ${r.phone.transport}, not a direct WebRTC data channel`);

  writeResult({
    name: 'sync-bytes-webrtc',
    figure,
    baseline: 1,
    ratio: figure,
    unit: 'bytes',
    goal: '< 65536',
    notes: {
      what: `reconnect of a phone to its relay, two Chromium processes over a direct WebRTC data channel, ${SYNCED} objects of ${SYNCED_BYTES} B in sync ` +
        `and ${NEW} new objects of ${CHUNK_OBJECT_BYTES} B: data-channel message bytes both ways (RTCDataChannelStats.bytesSent of each side) from the ` +
        'reconnect until both sides are quiet, minus the new payload, minus heartbeat ping/pong frames; no ops in this vault (the memory bench has 30)',
      dataChannelBytes: dcBytes,
      dataChannelMessages: r.phone.dataChannel.messagesSent + r.relay.dataChannel.messagesSent,
      newPayloadBytes: payload,
      heartbeatBytes: heartbeats,
      engineFrameBytes: r.phone.bytesOut + r.relay.bytesOut,
      bytesByFrameType: byType,
      framesByFrameType: frames,
      dtlsTransportBytes: r.phone.dtls.bytesSent + r.relay.dtls.bytesSent,
      dtlsBySide: { phone: r.phone.dtls, relay: r.relay.dtls },
      udpDuringReconnect: udp,
      dtlsOverheadOverDataChannel: dcBytes > 0 ? Math.round(((r.phone.dtls.bytesSent + r.relay.dtls.bytesSent) / dcBytes - 1) * 1000) / 1000 : null,
      reconnectMs,
      initialSyncDataChannelBytes: initial.phone.dataChannel.bytesSent + initial.relay.dataChannel.bytesSent,
      transport: r.phone.transport,
    },
  });
} finally {
  await Promise.all([call(phone, 'stop').catch(() => undefined), call(relay, 'stop').catch(() => undefined)]);
  await Promise.all([phone.close(), relay.close()]);
  await server.stop();
}
process.exit(0);
