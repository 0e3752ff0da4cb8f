/**
 * Keeps the relay's Chromium alive: launches it on the persistent profile, loads relay.html,
 * starts `window.fvRelay`, and watches it. If Chromium exits or crashes, or the page stops
 * answering a periodic `fvRelay.status()` within the timeout, it is torn down and started again
 * with exponential backoff; the page's replication core resumes from its stored queue.
 * Before each launch, a browser left on the profile by an earlier relay-node is dealt with
 * (stale-browser.ts). `stop()` lets queued writes finish (`fvRelay.stop()`) before closing the browser.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { launchRelayPage, type LaunchedPage } from './launch-page.ts';
import { errorText, type Logger } from './log.ts';
import { sanitizeSelfCheck, sanitizeStatus, type RelayPageConfig, type RelayStatus, type RelayWindow, type SelfCheckResult } from './page-contract.ts';
import { releaseStaleBrowser } from './stale-browser.ts';
import { withTimeout } from './timeout.ts';

export interface SupervisorOptions {
  executablePath: string;
  profileDir: string;
  origin: string;
  pageUrl: string;
  pageConfig: RelayPageConfig;
  args: string[];
  log: Logger;
  watchdogIntervalMs: number;
  watchdogTimeoutMs: number;
  /** Launch, load and fvRelay.start() must finish within this (default 60 s). */
  startTimeoutMs?: number;
  /** Restart delays: min doubling to max (defaults 1 s → 60 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

export type BrowserState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

export interface BrowserSnapshot {
  state: BrowserState;
  pid: number | null;
  restarts: number;
  startedAt: number | null;
  lastRestartReason: string | null;
  lastError: string | null;
  storagePersisted: boolean | null;
  /** The page's last answer to fvRelay.status() and when it came. */
  status: RelayStatus | null;
  statusAt: number | null;
}

// A browser that ran this long counts as stable: its next restart comes without backoff.
const STABLE_MS = 120_000;

export class BrowserSupervisor {
  #o: Required<SupervisorOptions>;
  #state: BrowserState = 'stopped';
  #current: LaunchedPage | undefined;
  /** Bumped on every launch, so events from a torn-down browser are ignored. */
  #generation = 0;
  #restarts = 0;
  #failures = 0;
  #startedAt: number | null = null;
  #lastRestartReason: string | null = null;
  #lastError: string | null = null;
  #status: RelayStatus | null = null;
  #statusAt: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  /** A restart's launch in flight; stop() waits for it so no browser is left behind. */
  #launching: Promise<void> | undefined;

  constructor(opts: SupervisorOptions) {
    this.#o = { startTimeoutMs: 60_000, backoffMinMs: 1000, backoffMaxMs: 60_000, ...opts };
  }

  snapshot(): BrowserSnapshot {
    return {
      state: this.#state, pid: this.#current?.pid ?? null, restarts: this.#restarts, startedAt: this.#startedAt,
      lastRestartReason: this.#lastRestartReason, lastError: this.#lastError,
      storagePersisted: this.#current?.storagePersisted ?? null, status: this.#status, statusAt: this.#statusAt,
    };
  }

  /** First launch. Throws if it fails: at start-up a clear error beats a retry loop. */
  async start(): Promise<void> {
    this.#state = 'starting';
    await this.#launch();
    this.#state = 'running';
    this.#schedule();
  }

  /** A fresh fvRelay.status(), or the last one if the page is busy or restarting. */
  async status(timeoutMs = 2000): Promise<RelayStatus | null> {
    if (this.#state === 'running' && this.#current) await this.#poll(this.#current.page, timeoutMs).catch((e: unknown) => {
      this.#o.log.debug('status-poll-failed', { error: errorText(e) }); // the watchdog decides about restarts
    });
    return this.#status;
  }

  async selfCheck(sample: number, timeoutMs: number): Promise<SelfCheckResult> {
    const page = this.#current?.page;
    if (this.#state !== 'running' || !page) throw new Error(`browser is ${this.#state}`);
    const r = await withTimeout(
      page.evaluate((s) => (window as RelayWindow).fvRelay!.selfCheck({ sample: s }), sample),
      timeoutMs, 'fvRelay.selfCheck()',
    );
    return sanitizeSelfCheck(r);
  }

  /** Graceful stop: fvRelay.stop() so queued writes finish, then close the browser. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#launching?.catch((e: unknown) => this.#o.log.debug('launch-during-stop-failed', { error: errorText(e) }));
    const cur = this.#current;
    if (!cur) {
      this.#state = 'stopped';
      return;
    }
    try {
      await withTimeout(cur.page.evaluate(() => (window as RelayWindow).fvRelay?.stop()), timeoutMs, 'fvRelay.stop()');
      this.#o.log.info('page-stopped');
    } catch (e) {
      this.#o.log.warn('page-stop-failed', { error: errorText(e), note: 'closing the browser anyway' });
    }
    await this.#teardown(cur);
    this.#state = 'stopped';
  }

  async #launch(): Promise<void> {
    const gen = ++this.#generation;
    // A browser that outlived an earlier relay-node (kill -9) would keep the profile locked.
    await releaseStaleBrowser(this.#o.profileDir, { log: this.#o.log });
    const launched = await launchRelayPage({
      launch: (dir, options) => chromium.launchPersistentContext(dir, options),
      executablePath: this.#o.executablePath, profileDir: this.#o.profileDir, args: this.#o.args,
      origin: this.#o.origin, pageUrl: this.#o.pageUrl, pageConfig: this.#o.pageConfig,
      timeoutMs: this.#o.startTimeoutMs, log: this.#o.log,
    });
    try {
      await this.#poll(launched.page, this.#o.watchdogTimeoutMs);
    } catch (e) {
      await this.#teardown(launched);
      throw e;
    }
    this.#current = launched;
    this.#startedAt = Date.now();
    this.#watchEvents(gen, launched.context, launched.page);
    this.#o.log.info('browser-started', { pid: launched.pid, restarts: this.#restarts, persisted: launched.storagePersisted, ready: this.#status?.ready ?? false });
  }

  #watchEvents(gen: number, context: BrowserContext, page: Page): void {
    const lost = (reason: string) => () => {
      // While starting or restarting, failures surface as exceptions of #launch instead.
      if (gen === this.#generation && this.#state === 'running') this.#restart(reason);
    };
    context.on('close', lost('browser exited'));
    page.on('crash', lost('page crashed'));
    page.on('close', lost('page closed'));
  }

  async #poll(page: Page, timeoutMs: number): Promise<void> {
    const raw = await withTimeout(page.evaluate(() => (window as RelayWindow).fvRelay!.status()), timeoutMs, 'fvRelay.status()');
    this.#status = sanitizeStatus(raw);
    this.#statusAt = Date.now();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.#o.watchdogIntervalMs);
  }

  async #tick(): Promise<void> {
    const cur = this.#current;
    if (this.#state !== 'running' || !cur) return;
    const gen = this.#generation;
    try {
      await this.#poll(cur.page, this.#o.watchdogTimeoutMs);
    } catch (e) {
      if (gen === this.#generation && this.#state === 'running') this.#restart(`page not answering: ${errorText(e)}`);
      return;
    }
    this.#schedule();
  }

  #restart(reason: string): void {
    this.#state = 'restarting';
    clearTimeout(this.#timer);
    this.#restarts++;
    this.#lastRestartReason = reason;
    // A browser that dies soon after starting backs off further each time; one that ran
    // for a while is restarted at once.
    const upMs = this.#startedAt === null ? 0 : Date.now() - this.#startedAt;
    this.#failures = upMs < STABLE_MS ? this.#failures + 1 : 0;
    this.#o.log.warn('browser-restart', { reason, restarts: this.#restarts, pid: this.#current?.pid ?? null });
    void this.#restartLoop();
  }

  async #restartLoop(): Promise<void> {
    const old = this.#current;
    this.#current = undefined;
    this.#status = null; // not ready until the new page answers
    if (old) await this.#teardown(old);
    while (this.#state === 'restarting') {
      await this.#sleep(this.#delay());
      if (this.#state !== 'restarting') return;
      try {
        this.#launching = this.#launch();
        await this.#launching;
        if (this.#state !== 'restarting') return; // stop() came in meanwhile and closes this browser
        this.#state = 'running';
        this.#lastError = null;
        this.#schedule();
        return;
      } catch (e) {
        this.#failures++;
        this.#lastError = errorText(e);
        this.#o.log.error('browser-start-failed', { error: this.#lastError, retryInMs: this.#delay() });
      } finally {
        this.#launching = undefined;
      }
    }
  }

  /** Restart delay: backoffMin for a first failure after a stable run, doubling to backoffMax. */
  #delay(): number {
    return Math.min(this.#o.backoffMaxMs, this.#o.backoffMinMs * 2 ** Math.max(0, this.#failures - 1));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /** Closes the browser; kills it if closing hangs (a hung renderer, a wedged CDP pipe). */
  async #teardown(cur: LaunchedPage): Promise<void> {
    if (cur.exited()) {
      this.#o.log.info('browser-gone', { pid: cur.pid });
      return;
    }
    try {
      await withTimeout(cur.context.close(), 10_000, 'closing the browser');
      this.#o.log.info('browser-closed', { pid: cur.pid });
      return;
    } catch (e) {
      // A browser killed from outside may close its page before Playwright notices the exit.
      if (cur.exited() || /has been closed/.test(errorText(e))) this.#o.log.info('browser-gone', { pid: cur.pid });
      else this.#o.log.warn('browser-close-failed', { pid: cur.pid, error: errorText(e) });
    }
    if (cur.pid === null) return;
    try {
      process.kill(cur.pid, 'SIGKILL');
      this.#o.log.warn('browser-killed', { pid: cur.pid });
    } catch (e) {
      // ESRCH: it is already gone, which is what we wanted.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') this.#o.log.error('browser-kill-failed', { pid: cur.pid, error: errorText(e) });
    }
  }
}
