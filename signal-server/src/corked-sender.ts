/**
 * Outgoing frames for uWS sockets, coalesced per socket and event-loop turn.
 *
 * Why: uWS corks only the socket whose message it is dispatching, so every frame forwarded to
 * ANOTHER socket was its own sendto(2): one syscall per relayed message, which is most of the
 * server's CPU time (see docs/signal-server.md, "Performance"). Here frames are queued and
 * written in one corked batch per socket from a setImmediate, i.e. after uWS has dispatched
 * everything the current poll delivered. Order per socket is kept; latency grows by at most
 * one loop turn.
 *
 * Backpressure: a frame is refused (SendResult.Dropped → the hub closes that client with 4009)
 * when what uWS already buffers plus what is queued here exceeds maxBackpressure, so the queue
 * is bounded like uWS's own buffer.
 *
 * The socket is structural (`CorkableSocket`, which uWS's WebSocket satisfies) so that the
 * signal benchmark can give its `ws` baseline and its bare forwarder exactly this batching.
 */
import { SendResult, type PeerSocket } from './conn.ts';

/** A text frame, as a string or as its UTF-8 bytes (the benchmark's bare forwarder never decodes them). */
export type Frame = string | Uint8Array;

/** What CorkedSender needs of a socket; uWS's WebSocket has exactly this. */
export interface CorkableSocket {
  getBufferedAmount(): number;
  /** Runs `cb`; the frames it sends go out in one write. */
  cork(cb: () => void): unknown;
  /** 2: dropped for backpressure (uWS's convention). */
  send(frame: Frame, isBinary: boolean, compress: boolean): number;
  end(code: number, reason: string): void;
  close(): void;
  ping(): unknown;
}

interface Queue {
  ws: CorkableSocket;
  texts: Frame[];
  bytes: number;
  dead: boolean;
  onDropped: () => void;
}

export interface CorkedSocket extends PeerSocket {
  send(frame: Frame): number;
  /** The uWS close handler ran: forget queued frames, never touch the socket again. */
  closed(): void;
}

export class CorkedSender {
  private dirty: Queue[] = [];
  private scheduled = false;

  constructor(
    private readonly maxBackpressure: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** `onDropped` runs (from the flush) if uWS still refuses a frame for backpressure. */
  socket(ws: CorkableSocket, onDropped: () => void): CorkedSocket {
    const q: Queue = { ws, texts: [], bytes: 0, dead: false, onDropped };
    return {
      send: (text) => {
        if (q.dead) return SendResult.Dropped;
        if (ws.getBufferedAmount() + q.bytes > this.maxBackpressure) return SendResult.Dropped;
        q.texts.push(text);
        q.bytes += text.length;
        if (q.texts.length === 1) this.mark(q);
        return SendResult.Buffered;
      },
      end: (code, reason) => {
        if (q.dead) return;
        this.write(q); // what was queued before the close frame goes out first
        q.dead = true;
        ws.end(code, reason);
      },
      terminate: () => {
        if (q.dead) return;
        q.dead = true;
        q.texts = [];
        q.bytes = 0;
        ws.close();
      },
      ping: () => {
        if (!q.dead) ws.ping();
      },
      closed: () => {
        q.dead = true;
        q.texts = [];
        q.bytes = 0;
      },
    };
  }

  private mark(q: Queue): void {
    this.dirty.push(q);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (const q of list) {
      try {
        this.write(q);
      } catch (e) {
        this.onError(e);
      }
    }
  };

  private write(q: Queue): void {
    if (q.dead || q.texts.length === 0) return;
    const texts = q.texts;
    q.texts = [];
    q.bytes = 0;
    let dropped = false;
    q.ws.cork(() => {
      for (const t of texts) if (q.ws.send(t, false, false) === 2) dropped = true;
    });
    if (dropped) q.onDropped();
  }
}
