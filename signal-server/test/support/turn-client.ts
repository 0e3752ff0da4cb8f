/**
 * A minimal TURN client (RFC 5766 Allocate over UDP with RFC 5389 long-term credentials),
 * just enough to ask a real coturn whether it accepts a username/credential pair:
 * 1. Allocate without credentials → 401 with REALM and NONCE;
 * 2. Allocate with USERNAME, REALM, NONCE, MESSAGE-INTEGRITY
 *    (HMAC-SHA1 keyed with MD5(username:realm:password)) → success, or 401 if refused.
 * `turnSession` keeps the allocation to send Refresh and CreatePermission on it later.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const ALLOCATE_OK = 0x0103;
const ALLOCATE_ERR = 0x0113;
const REFRESH = 0x0004;
const CREATE_PERMISSION = 0x0008;
const SUCCESS = 0x0100;
const A = {
  USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019,
};

export type AllocateResult = { ok: true; relayed: string } | { ok: false; code: number; reason: string };

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function message(type: number, tid: Buffer, attrs: Buffer[], integrityKey?: Buffer): Buffer {
  let body = Buffer.concat(attrs);
  const header = (len: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    tid.copy(h, 8);
    return h;
  };
  if (integrityKey) {
    // The HMAC covers the message with its length already counting the 24-byte MI attribute.
    const mac = createHmac('sha1', integrityKey).update(Buffer.concat([header(body.length + 24), body])).digest();
    body = Buffer.concat([body, attr(A.MESSAGE_INTEGRITY, mac)]);
  }
  return Buffer.concat([header(body.length), body]);
}

function parse(m: Buffer): { type: number; tid: Buffer; attrs: Map<number, Buffer> } {
  const attrs = new Map<number, Buffer>();
  const len = m.readUInt16BE(2);
  for (let o = 20; o + 4 <= 20 + len && o + 4 <= m.length; ) {
    const t = m.readUInt16BE(o);
    const l = m.readUInt16BE(o + 2);
    if (!attrs.has(t)) attrs.set(t, m.subarray(o + 4, o + 4 + l));
    o += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type: m.readUInt16BE(0), tid: m.subarray(8, 20), attrs };
}

/** Request/response over one UDP socket: coturn ties the nonce to the 5-tuple, so both Allocates share it. */
function transactor(host: string, port: number, timeoutMs: number) {
  const s = createSocket('udp4');
  let pending: { tid: Buffer; resolve: (p: ReturnType<typeof parse>) => void; reject: (e: Error) => void } | undefined;
  s.on('message', (m) => {
    if (m.length < 20) return;
    const p = parse(m);
    if (pending && p.tid.equals(pending.tid)) pending.resolve(p); // anything else is not ours
  });
  s.on('error', (e) => pending?.reject(e));
  const send = (req: Buffer) => new Promise<ReturnType<typeof parse>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no TURN answer from ${host}:${port}`)), timeoutMs);
    pending = {
      tid: req.subarray(8, 20),
      resolve: (p) => (clearTimeout(t), resolve(p)),
      reject: (e) => (clearTimeout(t), reject(e)),
    };
    s.send(req, port, host);
  });
  return { send, close: () => s.close() };
}

function errorOf(p: ReturnType<typeof parse>): { code: number; reason: string } {
  const e = p.attrs.get(A.ERROR_CODE);
  return e ? { code: e[2]! * 100 + e[3]!, reason: e.subarray(4).toString('utf8') } : { code: 0, reason: 'no ERROR-CODE' };
}

export type TurnAnswer = { ok: true } | { ok: false; code: number; reason: string };

/** An allocation kept open: further requests on it are signed with the same credential. */
export interface TurnSession {
  relayed: string;
  /** Refresh with this LIFETIME (seconds). */
  refresh(lifetimeSec: number): Promise<TurnAnswer>;
  /** Permission for an IPv4 peer address. */
  permit(ip: string, port: number): Promise<TurnAnswer>;
  close(): void;
}

export async function turnAllocate(o: { host?: string; port: number; username: string; password: string; timeoutMs?: number }): Promise<AllocateResult> {
  const r = await turnSession(o);
  if (!r.ok) return r;
  r.session.close();
  return { ok: true, relayed: r.session.relayed };
}

export async function turnSession(o: { host?: string; port: number; username: string; password: string; timeoutMs?: number }): Promise<{ ok: true; session: TurnSession } | { ok: false; code: number; reason: string }> {
  const t = transactor(o.host ?? '127.0.0.1', o.port, o.timeoutMs ?? 3000);
  let keep = false;
  try {
    const transport = attr(A.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])); // UDP
    const first = await t.send(message(ALLOCATE, randomBytes(12), [transport]));
    if (first.type !== ALLOCATE_ERR) throw new Error(`unauthenticated Allocate got type 0x${first.type.toString(16)}`);
    const realm = first.attrs.get(A.REALM);
    const nonce = first.attrs.get(A.NONCE);
    if (!realm || !nonce) return { ok: false, ...errorOf(first) };

    const key = createHash('md5').update(`${o.username}:${realm.toString('utf8')}:${o.password}`).digest();
    const auth = [attr(A.USERNAME, Buffer.from(o.username, 'utf8')), attr(A.REALM, realm), attr(A.NONCE, nonce)];
    const second = await t.send(message(ALLOCATE, randomBytes(12), [transport, ...auth], key));
    if (second.type !== ALLOCATE_OK) return { ok: false, ...errorOf(second) };
    const x = second.attrs.get(A.XOR_RELAYED_ADDRESS);
    const relayed = x ? `${xorAddress(x)}` : '?';
    const ask = async (type: number, attrs: Buffer[]): Promise<TurnAnswer> => {
      const r = await t.send(message(type, randomBytes(12), [...attrs, ...auth], key));
      return r.type === (type | SUCCESS) ? { ok: true } : { ok: false, ...errorOf(r) };
    };
    keep = true;
    return {
      ok: true,
      session: {
        relayed,
        refresh: (lifetimeSec) => {
          const v = Buffer.alloc(4);
          v.writeUInt32BE(lifetimeSec);
          return ask(REFRESH, [attr(A.LIFETIME, v)]);
        },
        permit: (ip, port) => {
          const v = Buffer.alloc(8);
          v.writeUInt16BE(0x01, 0); // IPv4
          v.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
          ip.split('.').forEach((b, i) => (v[4 + i] = Number(b) ^ ((MAGIC >>> (24 - 8 * i)) & 0xff)));
          return ask(CREATE_PERMISSION, [attr(A.XOR_PEER_ADDRESS, v)]);
        },
        close: () => t.close(),
      },
    };
  } finally {
    if (!keep) t.close();
  }
}

/** An XOR-MAPPED-style IPv4 address attribute as `a.b.c.d:port`. */
function xorAddress(x: Buffer): string {
  return `${[...x.subarray(4, 8)].map((b, i) => b ^ ((MAGIC >>> (24 - 8 * i)) & 0xff)).join('.')}:${x.readUInt16BE(2) ^ (MAGIC >>> 16)}`;
}
