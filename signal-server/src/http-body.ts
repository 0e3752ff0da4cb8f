/**
 * Streams a response body with uWS's tryEnd/onWritable, so a client that does not read (or
 * pipelines requests and never reads the answers) cannot make the server buffer whole bodies.
 *
 * `tryEnd` writes only what the kernel accepts and buffers nothing beyond uWS's small cork
 * buffer; the rest is offered again from `onWritable`. What is pending per response is
 * therefore at most one chunk (CHUNK bytes: a view into a cached file, or one read from disk),
 * and uWS parses the next pipelined request only once this response has ended. A response
 * that makes no progress for `stallMs` is closed.
 */
import type { HttpResponse } from 'uWebSockets.js';

/** Bytes offered to the socket at a time, and read from disk at a time. */
export const CHUNK = 64 * 1024;

export interface BodySource {
  size: number;
  /** Up to CHUNK bytes starting at `offset` (never empty while offset < size). */
  read(offset: number): Buffer | Promise<Buffer>;
  close?(): void;
}

export interface StreamOptions {
  stallMs: number;
  onError: (e: unknown) => void;
  /** The response ended (sent, aborted or closed for stalling): for accounting. */
  onDone?: (how: 'sent' | 'aborted' | 'stalled' | 'failed') => void;
}

/**
 * Sends `source` as the body of `res`, whose status and headers are already written. Must be
 * called corked (inside the handler, or inside `res.cork`).
 */
export function streamBody(res: HttpResponse, source: BodySource, opts: StreamOptions): void {
  let over = false;
  let reading = false;
  let stall: NodeJS.Timeout | undefined;
  /** The chunk being sent and the body offset it starts at. */
  let held: { base: number; buf: Buffer } | undefined;

  const finish = (how: 'sent' | 'aborted' | 'stalled' | 'failed') => {
    if (over) return;
    over = true;
    held = undefined;
    clearTimeout(stall);
    source.close?.();
    opts.onDone?.(how);
  };
  const armStall = () => {
    clearTimeout(stall);
    stall = setTimeout(() => {
      if (over) return;
      finish('stalled');
      res.close(); // the client stopped reading: drop it rather than hold its chunk
    }, opts.stallMs);
    stall.unref();
  };

  /** Offers the body from where the socket stands until the kernel is full or the body is sent. */
  const step = (): boolean => {
    while (!over && !reading) {
      const offset = res.getWriteOffset();
      if (!held || offset < held.base || offset >= held.base + held.buf.length) {
        const r = source.read(offset);
        if (r instanceof Promise) {
          reading = true;
          r.then(
            (buf) => {
              reading = false;
              held = { base: offset, buf };
              if (!over) res.cork(step);
            },
            (e: unknown) => {
              reading = false;
              opts.onError(e);
              if (over) return;
              finish('failed');
              res.close();
            },
          );
          return true;
        }
        held = { base: offset, buf: r };
      }
      const [ok, done] = res.tryEnd(held.buf.subarray(offset - held.base), source.size);
      if (done) {
        finish('sent');
        return true;
      }
      if (!ok) {
        armStall();
        return false;
      }
    }
    return true;
  };

  res.onAborted(() => finish('aborted'));
  res.onWritable(() => (over || reading ? true : step()));
  armStall();
  step();
}
