/**
 * Every bound the server enforces, in one place. Each one exists so that memory and CPU stay
 * bounded whatever clients send; docs/signal-server.md lists them with their close codes.
 */
export interface Limits {
  /** Largest WebSocket frame accepted (bytes). uWS drops the TCP connection above it. */
  maxFrame: number;
  /** Largest `data` of a `signal` message (characters). SDP + ICE, encrypted and base64url. */
  maxSignalData: number;
  /** Messages per second per connection (token bucket; burst = 2 s worth). Above → close 4004. */
  maxMsgsPerSec: number;
  /** `relay` payload characters per second per connection (burst = 2 s worth). Above → close 4004. */
  maxRelayBytesPerSec: number;
  /** Bytes of all frames per second per connection (burst = 2 s worth, at least one frame). Above → close 4004. */
  maxBytesPerSec: number;
  maxPeersPerRoom: number;
  maxRooms: number;
  /** Open WebSockets, joined or not. Above → HTTP 503 at the upgrade. */
  maxConnections: number;
  /** Open WebSockets from one client address (ip-limits.ts). Above → HTTP 429 at the upgrade. */
  maxConnectionsPerIp: number;
  /** Rooms one client address created that still exist. Above → close 4003 when it would create another. */
  maxRoomsPerIp: number;
  /** Join attempts per minute from one client address (burst = one minute's worth). Above → close 4004. */
  maxJoinsPerIpPerMin: number;
  /** Close a connection that sent nothing (not even a pong) for this long (ms). */
  idleTimeoutMs: number;
  /** Close a connection that has not joined a room this long after opening (ms). */
  joinTimeoutMs: number;
  /** Bytes queued for a slow receiver before the server drops it (close 4009). */
  maxBackpressure: number;
  /** Malformed / unexpected messages tolerated per connection before close 4000. */
  maxBadMessages: number;
  /** Close an HTTP connection whose response made no progress (client not reading) this long (ms). */
  httpStallTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // A fallback-transport frame carries up to 256 KiB of ciphertext: base64url makes it
  // ~350,000 characters, plus the JSON envelope.
  maxFrame: 400 * 1024,
  maxSignalData: 64 * 1024,
  maxMsgsPerSec: 100,
  maxRelayBytesPerSec: 4 * 1024 * 1024,
  // The relay budget plus 1 MiB/s for signals and envelopes.
  maxBytesPerSec: 5 * 1024 * 1024,
  maxPeersPerRoom: 32,
  maxRooms: 1000,
  maxConnections: 4000,
  // A family's devices behind one home router, or many phones behind a carrier's NAT, share an
  // address: generous, but far below max-connections and max-rooms.
  maxConnectionsPerIp: 64,
  maxRoomsPerIp: 16,
  maxJoinsPerIpPerMin: 120,
  idleTimeoutMs: 60_000,
  joinTimeoutMs: 10_000,
  maxBackpressure: 1024 * 1024,
  maxBadMessages: 10,
  httpStallTimeoutMs: 10_000,
});

/** Merges overrides onto the defaults and checks each value; throws RangeError naming the bad one. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(overrides) as [keyof Limits, number | undefined][]) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_LIMITS)) throw new RangeError(`unknown limit ${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`limit ${k} must be a positive number`);
    out[k] = v;
  }
  if (out.maxSignalData > out.maxFrame) out.maxSignalData = out.maxFrame;
  return out;
}
