/**
 * JS heap of a page AND its dedicated workers (crypto, media, OPFS), sampled over a raw CDP
 * connection on loopback. Playwright's CDPSession cannot address worker sessions, so Chromium is
 * started with --remote-debugging-port=0 too (it writes DevToolsActivePort into the profile) and
 * this module attaches to the page with flattened sessions and auto-attaches its workers.
 *
 * Per isolate: Runtime.getHeapUsage → usedSize (V8 heap) and backingStorageSize (ArrayBuffer
 * backing stores: where 1 MiB chunk buffers live; not part of usedSize).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void }

export interface HeapSample {
  /** Sum over the page and its workers, bytes. */
  used: number;
  backing: number;
  byTarget: Record<string, { used: number; backing: number }>;
}

export class HeapProbe {
  #ws: WebSocket;
  #id = 0;
  #pending = new Map<number, Pending>();
  /** sessionId → label (page, or the worker's name/url). */
  #sessions = new Map<string, string>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: any; error?: { message: string }; method?: string; params?: any; sessionId?: string };
      if (m.id !== undefined) {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error) p?.reject(new Error(m.error.message));
        else p?.resolve(m.result);
        return;
      }
      if (m.method === 'Target.attachedToTarget') {
        const info = m.params.targetInfo as { type: string; url: string; title: string };
        const label = `${info.type}:${info.title || info.url.split('/').pop()}`;
        this.#sessions.set(m.params.sessionId, label);
      } else if (m.method === 'Target.detachedFromTarget') {
        this.#sessions.delete(m.params.sessionId);
      }
    });
  }

  /** Connects to the browser whose profile is `userDataDir` and attaches to the page at `urlPart`. */
  static async attach(userDataDir: string, urlPart: string): Promise<HeapProbe> {
    const [port, path] = readFileSync(join(userDataDir, 'DevToolsActivePort'), 'utf8').trim().split('\n');
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const probe = new HeapProbe(ws);
    const { targetInfos } = await probe.send('Target.getTargets');
    const page = (targetInfos as Array<{ type: string; url: string; targetId: string }>).find((t) => t.type === 'page' && t.url.includes(urlPart));
    if (!page) throw new Error(`no page with ${urlPart}`);
    const { sessionId } = await probe.send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
    probe.#sessions.set(sessionId, 'page');
    // Workers that exist now and later attach to the page session (flattened, not paused).
    await probe.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
    await new Promise((r) => setTimeout(r, 200));
    return probe;
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = ++this.#id;
    this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  targets(): string[] {
    return [...this.#sessions.values()];
  }

  async sample(): Promise<HeapSample> {
    const out: HeapSample = { used: 0, backing: 0, byTarget: {} };
    await Promise.all([...this.#sessions].map(async ([sid, label]) => {
      try {
        const r = (await this.send('Runtime.getHeapUsage', {}, sid)) as { usedSize: number; backingStorageSize?: number };
        const backing = r.backingStorageSize ?? 0;
        out.used += r.usedSize;
        out.backing += backing;
        const prev = out.byTarget[label] ?? { used: 0, backing: 0 };
        out.byTarget[label] = { used: prev.used + r.usedSize, backing: prev.backing + backing };
      } catch {
        // a worker that just ended
      }
    }));
    return out;
  }

  /** Full GC in every isolate. */
  async gc(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((sid) => this.send('HeapProfiler.collectGarbage', {}, sid).catch(() => undefined)));
  }

  close(): void {
    for (const p of this.#pending.values()) p.reject(new Error('closed'));
    this.#pending.clear();
    this.#ws.close();
  }
}
