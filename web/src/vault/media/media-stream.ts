/**
 * Videos played as a stream (page side). The viewer registers an original under a random token
 * and gets the URL `/__fv-media/<token>`; the service worker (entries/sw.ts) answers the
 * `<video>`'s range requests for that URL by asking this page, over a MessagePort, for the bytes
 * of the range, and this page decrypts only the 1 MiB chunks the range covers, one at a time as
 * the player reads. The service worker holds no key and stores nothing: it passes at most the
 * chunk being read through. Without a controlling service worker there is no stream (the caller
 * falls back to the whole file).
 */
import { CHUNK_SIZE } from '../../crypto/chunk-size.ts';
import { releaseBytes, toBase64Url } from '../../core/bytes.ts';

export const MEDIA_PREFIX = '/__fv-media/';

export interface RandomAccessFile {
  name: string;
  mime: string;
  size: number;
  chunk(i: number): Promise<Uint8Array>;
  /** The reader went away before the end (the download was cancelled). */
  cancelled?(): void;
}

/**
 * A stream made on the fly (a zip of originals) as a file of known size, read once from its
 * start: chunk i is the i-th CHUNK_SIZE bytes, asked for in order (a range from elsewhere, such as
 * a resumed download, is refused). At most one chunk is held here.
 */
export function sequentialFile(name: string, mime: string, size: number, stream: ReadableStream<Uint8Array>, o: {
  onEnd: () => void;
  /** Pieces the caller made and nobody reads after us (freed once copied); others are left to GC. */
  disposable?: (piece: Uint8Array) => boolean;
  /** Ended if nothing reads it within this (the download never started). */
  unreadMs?: number;
}): RandomAccessFile {
  const reader = stream.getReader();
  let next = 0;
  let left: Uint8Array | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(unread);
    o.onEnd();
  };
  const cancel = () => {
    void reader.cancel().catch(() => undefined);
    end();
  };
  const unread = setTimeout(cancel, o.unreadMs ?? 60_000);
  return {
    name, mime, size,
    chunk: async (i) => {
      clearTimeout(unread);
      if (ended) throw new RangeError('this download was ended: start it again');
      if (i !== next) {
        cancel();
        throw new RangeError('this download is made as it is read, from its start only: start it again');
      }
      next++;
      try {
        return await take(i);
      } catch (e) {
        cancel();
        throw e;
      }
    },
    cancelled: cancel,
  };

  async function take(i: number): Promise<Uint8Array> {
    const want = Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE);
    const out = new Uint8Array(want);
    let at = 0;
    while (at < want) {
      let piece = left;
      left = undefined;
      if (!piece) {
        const r = await reader.read();
        if (r.done) throw new RangeError(`the download ended at ${i * CHUNK_SIZE + at} of ${size} bytes`);
        piece = r.value;
      }
      const n = Math.min(piece.length, want - at);
      out.set(piece.subarray(0, n), at);
      at += n;
      if (n < piece.length) left = piece.subarray(n);
      // Copied whole and ours to free (an original's chunk; not the zip writer's records, which
      // it reads again after yielding them): free its memory now, not at the next GC.
      else if (o.disposable?.(piece) && piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength) releaseBytes(piece);
    }
    if ((i + 1) * CHUNK_SIZE >= size) end();
    return out;
  }
}

/** What the service worker sends with its port: the range asked for (end inclusive, or open). */
export interface MediaOpen { type: 'fv-media-open'; token: string; start: number; end: number | null }
/** The page's first answer on the port. */
export type MediaHead = { ok: true; size: number; mime: string; name: string; start: number; end: number } | { ok: false; status: number; error: string };
/** The page's answer to each `{pull: true}`. */
export type MediaPiece = { bytes: Uint8Array } | { done: true } | { error: string };

const files = new Map<string, RandomAccessFile>();
let listening = false;

/** True when a service worker controls this page (so `/__fv-media/` URLs reach it). */
export function canStream(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.serviceWorker?.controller;
}

/** Registers `file` and returns its stream URL, and a function that ends it. */
export function registerStream(file: RandomAccessFile): { url: string; release(): void } {
  listen();
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  files.set(token, file);
  return { url: MEDIA_PREFIX + token, release: () => files.delete(token) };
}

/**
 * Saves a stream URL (`…?download`) as a download. Through a hidden frame, not a link's
 * `download` attribute: Chromium fetches a link's download without asking the service worker (it
 * got the server's index.html), while a frame's navigation goes through it, and the worker's
 * `Content-Disposition: attachment` answer becomes the download.
 */
export function saveStream(url: string): void {
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = 'download';
  frame.src = url;
  document.body.append(frame);
  // The frame only starts the download; the browser keeps the download going without it.
  setTimeout(() => frame.remove(), 60_000);
}

function listen(): void {
  if (listening) return;
  listening = true;
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as MediaOpen | null;
    if (m?.type !== 'fv-media-open' || !e.ports[0]) return;
    serve(m, e.ports[0]);
  });
}

/** Answers one range request on `port`: decrypts chunk by chunk, each when the worker pulls. */
export function serve(m: MediaOpen, port: MessagePort): void {
  const file = files.get(m.token);
  if (!file) {
    port.postMessage({ ok: false, status: 404, error: 'this video is no longer open' } satisfies MediaHead);
    port.close();
    return;
  }
  const last = file.size - 1;
  const start = m.start;
  const end = Math.min(m.end ?? last, last);
  if (!Number.isSafeInteger(start) || start < 0 || start > end) {
    port.postMessage({ ok: false, status: 416, error: 'range not satisfiable' } satisfies MediaHead);
    port.close();
    return;
  }
  port.postMessage({ ok: true, size: file.size, mime: file.mime, name: file.name, start, end } satisfies MediaHead);
  let pos = start;
  // The next chunk is decrypted while the player reads this one (one ahead, no more).
  let ahead: { index: number; bytes: Promise<Uint8Array> } | undefined;
  const chunk = (index: number) => {
    const bytes = ahead?.index === index ? ahead.bytes : file.chunk(index);
    ahead = undefined;
    return bytes;
  };
  port.onmessage = async (e: MessageEvent) => {
    const msg = e.data as { pull?: true; cancel?: true };
    if (msg.cancel) {
      ahead = undefined;
      file.cancelled?.();
      port.close();
      return;
    }
    if (!msg.pull) return;
    if (pos > end) {
      port.postMessage({ done: true } satisfies MediaPiece);
      port.close();
      return;
    }
    const index = Math.floor(pos / CHUNK_SIZE);
    try {
      const plain = await chunk(index);
      const from = pos - index * CHUNK_SIZE;
      const to = Math.min(plain.length, end + 1 - index * CHUNK_SIZE);
      const whole = from === 0 && to === plain.length && plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength;
      const piece = whole ? plain : plain.slice(from, to);
      if (!whole) releaseBytes(plain);
      pos = index * CHUNK_SIZE + to;
      if (pos <= end) {
        const next = index + 1;
        ahead = { index: next, bytes: file.chunk(next) };
        ahead.bytes.catch(() => undefined);
      }
      port.postMessage({ bytes: piece } satisfies MediaPiece, [piece.buffer as ArrayBuffer]);
    } catch (err) {
      ahead = undefined;
      file.cancelled?.();
      port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies MediaPiece);
      port.close();
    }
  };
}
