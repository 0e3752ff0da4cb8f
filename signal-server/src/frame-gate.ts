/**
 * Which frames may be JSON-parsed at all, decided from their size and first characters only.
 *
 * JSON.parse costs time in proportion to the frame, and a frame may be up to `maxFrame`
 * (400 KB by default). So a frame is parsed only if it is small, or if it is one of the two
 * messages that may legitimately be large — `signal` and `relay`, written as JSON.stringify
 * writes the clients' object literals (`type` first) — and within that type's own limit, from
 * a connection that has joined. Everything else is refused unparsed. The rate limits count
 * bytes as well as messages (hub.ts), so what may be parsed is also bounded per second.
 */
import type { Limits } from './limits.ts';

/**
 * Any frame up to this size may be parsed: a `join` is about 250 bytes (at most about 460 with an
 * enrolment code and a vouch), `ping` and `turn` 15.
 * It is also the largest frame a connection may send before it has joined.
 */
export const SMALL_FRAME = 512;

/** Room for `{"type":"signal","to":"<64 chars>","data":""}` around a signal's data. */
const SIGNAL_ENVELOPE = 512;

const LARGE_PREFIXES = [['signal', '{"type":"signal",'], ['relay', '{"type":"relay",']] as const;

export type Screen =
  /** Go on: the fast path or the full parser. */
  | 'parse'
  /** Over its type's limit, or large and not a signal/relay: answered `error too-large`. */
  | 'too-large'
  /** Over SMALL_FRAME before a join: nothing legitimate is, so the connection is closed. */
  | 'too-large-before-join';

/** `bytes` is the frame's UTF-8 size as received; `text` is read only at its start. */
export function screenFrame(text: string, bytes: number, joined: boolean, limits: Pick<Limits, 'maxSignalData' | 'maxFrame'>): Screen {
  if (bytes <= SMALL_FRAME) return 'parse';
  if (!joined) return 'too-large-before-join';
  const type = LARGE_PREFIXES.find(([, prefix]) => text.startsWith(prefix))?.[0];
  if (type === 'signal') return bytes <= limits.maxSignalData + SIGNAL_ENVELOPE ? 'parse' : 'too-large';
  if (type === 'relay') return bytes <= limits.maxFrame ? 'parse' : 'too-large';
  return 'too-large';
}
