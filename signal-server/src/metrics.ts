/**
 * Counters for `/metrics` (Prometheus text exposition format 0.0.4). Plain numbers updated on
 * the hot path; rendering happens only when scraped. Gauges (open connections, rooms, joined
 * peers) are read from the hub at render time rather than tracked twice.
 */
export interface Gauges {
  /** Open and served. */
  connections: number;
  /** Refused with a close frame the client may not have answered yet: still counted at admission. */
  closing: number;
  rooms: number;
  peers: number;
}

export type DeliveryKind = 'signal' | 'broadcast' | 'relay';

/**
 * Every reason the server closes or refuses a connection for. A closed set chosen by the
 * server: no text a client sends can become a label (or break the sort when rendering).
 */
export const REFUSAL_REASONS = [
  'server-shutdown', 'too-large', 'bad-utf8', 'internal-error', 'bad-input', 'bad-peer-id',
  'bad-signature', 'bad-room-id', 'room-full', 'max-rooms', 'rate-limit', 'relay-rate-limit',
  'byte-rate-limit', 'idle-timeout', 'replaced', 'join-timeout', 'protocol-mismatch', 'slow-consumer',
  'cluster-unavailable', 'max-connections', 'ip-connections', 'ip-rooms', 'ip-join-rate', 'bad-origin',
  'not-enrolled', 'bad-enrol-code', 'bad-vouch', 'enrolment-unavailable',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why a `turn` request got no credentials. */
export type TurnRefusal = 'not-enrolled' | 'not-configured' | 'unavailable';

export interface MetricsSnapshot extends Gauges {
  connectionsTotal: number;
  joinsTotal: number;
  messagesReceived: number;
  bytesReceived: number;
  bytesSent: number;
  delivered: Record<DeliveryKind, number>;
  badMessages: number;
  turnIssued: number;
  turnRefused: Record<TurnRefusal, number>;
  /** Rooms this instance enrolled at a join, by how. */
  enrolments: { code: number; vouch: number };
  /** Joins let in without enrolment (--allow-unenrolled-signaling). */
  unenrolledJoins: number;
  refusals: Record<string, number>;
}

export class Metrics {
  connectionsTotal = 0;
  joinsTotal = 0;
  messagesReceived = 0;
  bytesReceived = 0;
  bytesSent = 0;
  badMessages = 0;
  turnIssued = 0;
  readonly turnRefused: Record<TurnRefusal, number> = { 'not-enrolled': 0, 'not-configured': 0, unavailable: 0 };
  readonly enrolments = { code: 0, vouch: 0 };
  unenrolledJoins = 0;
  readonly delivered: Record<DeliveryKind, number> = { signal: 0, broadcast: 0, relay: 0 };
  /** Keyed by REFUSAL_REASONS only, never by client input. */
  private readonly refusals = new Map<RefusalReason, number>();

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  snapshot(g: Gauges): MetricsSnapshot {
    return {
      ...g,
      connectionsTotal: this.connectionsTotal,
      joinsTotal: this.joinsTotal,
      messagesReceived: this.messagesReceived,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      delivered: { ...this.delivered },
      badMessages: this.badMessages,
      turnIssued: this.turnIssued,
      turnRefused: { ...this.turnRefused },
      enrolments: { ...this.enrolments },
      unenrolledJoins: this.unenrolledJoins,
      refusals: Object.fromEntries(this.refusals),
    };
  }

  render(g: Gauges): string {
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) out.push(`${name}${labels} ${v}`);
    };
    metric('fv_signal_connections', 'gauge', 'Open WebSocket connections (joined or not).', [['', g.connections]]);
    metric('fv_signal_closing_connections', 'gauge', 'Refused WebSockets whose socket may still be open (counted towards the connection limits).', [['', g.closing]]);
    metric('fv_signal_rooms', 'gauge', 'Rooms with at least one peer.', [['', g.rooms]]);
    metric('fv_signal_peers', 'gauge', 'Peers joined to a room.', [['', g.peers]]);
    metric('fv_signal_connections_total', 'counter', 'WebSocket connections accepted.', [['', this.connectionsTotal]]);
    metric('fv_signal_joins_total', 'counter', 'Successful room joins.', [['', this.joinsTotal]]);
    metric('fv_signal_messages_received_total', 'counter', 'WebSocket messages received.', [['', this.messagesReceived]]);
    metric('fv_signal_messages_relayed_total', 'counter', 'Messages delivered to a peer, by kind.',
      (Object.keys(this.delivered) as DeliveryKind[]).map((k) => [`{kind="${k}"}`, this.delivered[k]]));
    metric('fv_signal_received_bytes_total', 'counter', 'Payload bytes received in WebSocket messages.', [['', this.bytesReceived]]);
    metric('fv_signal_sent_bytes_total', 'counter', 'Payload characters sent in WebSocket messages (ASCII JSON).', [['', this.bytesSent]]);
    metric('fv_signal_bad_messages_total', 'counter', 'Malformed, unknown or out-of-order messages.', [['', this.badMessages]]);
    metric('fv_signal_turn_credentials_total', 'counter', 'TURN credentials issued.', [['', this.turnIssued]]);
    metric('fv_signal_turn_refusals_total', 'counter', 'TURN requests answered without credentials, by reason.',
      (Object.keys(this.turnRefused) as TurnRefusal[]).map((k) => [`{reason="${k}"}`, this.turnRefused[k]]));
    metric('fv_signal_enrolments_total', 'counter', 'Rooms enrolled at a join, by an enrolment code or a vouch.',
      [['{via="code"}', this.enrolments.code], ['{via="vouch"}', this.enrolments.vouch]]);
    metric('fv_signal_unenrolled_joins_total', 'counter', 'Joins of rooms not enrolled, let in by --allow-unenrolled-signaling.', [['', this.unenrolledJoins]]);
    metric('fv_signal_refusals_total', 'counter', 'Connections refused or closed by the server, by reason.',
      [...this.refusals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, v]) => [`{reason="${r}"}`, v]));
    return out.join('\n') + '\n';
  }
}
