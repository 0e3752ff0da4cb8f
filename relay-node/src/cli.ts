/**
 * `relay-node` (npm run relay -- …): the composition root. Checks everything that can be
 * checked before a browser starts (settings, invite, browser, data dir and its origin; with no
 * invite set, the first start in a terminal asks for it: first-run-invite.ts),
 * then serves the relay page, starts the status endpoint and the supervised browser, and
 * shuts down cleanly on SIGTERM/SIGINT/SIGHUP. Exit codes: 0 clean stop, 1 cannot run, 2 bad usage.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseArgs } from './args.ts';
import { BrowserSupervisor } from './browser-supervisor.ts';
import { relayChromiumArgs } from './chromium-args.ts';
import { resolveConfig, resolveStatusPort, type ConfigContext, type RelayConfig } from './config.ts';
import { DataDirError, openDataDir } from './data-dir.ts';
import { findBrowser } from './find-browser.ts';
import { askInviteAtFirstRun } from './first-run-invite.ts';
import { RelayPageError } from './launch-page.ts';
import { errorText, makeLogger, type Logger } from './log.ts';
import { PortInUseError } from './loopback.ts';
import { startPageServer } from './page-server.ts';
import { scheduleSelfCheck } from './self-check.ts';
import { watchSignalServer } from './signal-check.ts';
import { statusCommand } from './status-command.ts';
import { buildStatus } from './status-report.ts';
import { StaleProfileError } from './stale-browser.ts';
import { startStatusServer } from './status-server.ts';
import { watchStopSignals } from './stop-signals.ts';
import { RELAY_NODE_VERSION } from './version.ts';

const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    console.log(parsed.text);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`relay-node: ${parsed.message}`);
    return 2;
  }
  const ctx: ConfigContext = { env: process.env, cwd: process.cwd(), readFile: (p) => readFileSync(p, 'utf8'), hostname: hostname(), defaultWebDir };
  if (parsed.command === 'status') {
    const port = resolveStatusPort(parsed.flags, ctx);
    if (typeof port !== 'number') {
      console.error(`relay-node status: ${port.error}`);
      return 2;
    }
    return statusCommand(port, parsed.flags.get('json') === 'true');
  }
  let config = resolveConfig(parsed.flags, ctx);
  if ('error' in config && config.noInvite) {
    // The first start in a terminal asks for the invite (and keeps it in the data dir).
    const asked = await askInviteAtFirstRun(config.noInvite.dataDir, { input: process.stdin, output: process.stderr });
    if ('error' in asked) {
      console.error(`relay-node: ${asked.error}`);
      return 2;
    }
    if ('saved' in asked) config = resolveConfig(parsed.flags, ctx);
  }
  if ('error' in config) {
    console.error(`relay-node: ${config.error}`);
    return 2;
  }
  const log = makeLogger({ level: config.logLevel, format: config.logFormat });
  try {
    return await run(config, log);
  } catch (e) {
    // Refusals carry a message written for the operator; the stack is for --log-level debug.
    log.error('cannot-start', { error: errorText(e) });
    if (e instanceof Error && !(e instanceof DataDirError || e instanceof PortInUseError || e instanceof RelayPageError || e instanceof StaleProfileError)) log.debug('cannot-start-stack', { stack: e.stack });
    return 1;
  }
}

async function run(config: RelayConfig, log: Logger): Promise<number> {
  const startedAt = Date.now();
  if (config.inviteSource === 'flag') {
    log.warn('invite-on-command-line', { note: 'other users of this machine can read a process\'s arguments: prefer RELAY_INVITE (in a root-only EnvironmentFile) or --invite-file' });
  }
  if (config.signalInsecure) log.warn('signal-not-tls', { url: config.signalUrl, note: 'use wss:// outside a test setup' });
  if (config.testLoopback) log.warn('test-loopback', { note: 'TEST MODE: WebRTC limited to loopback, no STUN/TURN; do not use for a real relay' });

  const browser = findBrowser({
    env: process.env,
    isExecutable: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false; // missing or unreadable: not this one
      }
    },
    playwrightPath: () => {
      try {
        return chromium.executablePath();
      } catch (e) {
        log.debug('playwright-browser-unknown', { error: errorText(e) });
        return undefined;
      }
    },
  });
  if (!browser.ok) {
    log.error('no-browser', { error: browser.error });
    return 1;
  }
  const isRoot = process.getuid?.() === 0;
  if (isRoot) log.warn('running-as-root', { note: 'Chromium\'s sandbox cannot run as root, so it starts with --no-sandbox; run relay-node as its own user (docs/relay.md)' });

  if (!existsSync(join(config.webDir, 'relay.html'))) {
    log.error('no-relay-page', { error: `no relay.html in ${config.webDir}: build the web app first (npm run build)` });
    return 1;
  }

  const origin = `http://127.0.0.1:${config.pagePort}`;
  const dataDir = await openDataDir(config.dataDir, origin);
  log.info('starting', {
    version: RELAY_NODE_VERSION, name: config.name, data: config.dataDir, newDataDir: dataDir.created, origin,
    peerId: dataDir.state.peerId, browser: browser.path, signal: config.signalUrl, quotaBytes: config.quotaBytes,
  });

  const pageServer = await startPageServer({ root: config.webDir, port: config.pagePort, log });
  const cleanups: Array<() => Promise<void> | void> = [() => pageServer.close()];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const signalCheck = await watchSignalServer({ healthUrl: config.signalHealthUrl, log });
    cleanups.push(() => signalCheck.stop());
    const supervisor = new BrowserSupervisor({
      executablePath: browser.path, profileDir: dataDir.profileDir, origin, pageUrl: `${origin}/relay.html`,
      pageConfig: { signalUrl: config.signalUrl, invite: config.invite, name: config.name, quotaBytes: config.quotaBytes, peerId: dataDir.state.peerId, testLoopback: config.testLoopback },
      args: relayChromiumArgs({ testLoopback: config.testLoopback, isRoot }),
      log, watchdogIntervalMs: config.watchdogIntervalMs, watchdogTimeoutMs: config.watchdogTimeoutMs,
    });
    let selfCheck: ReturnType<typeof scheduleSelfCheck> | undefined;
    const statusServer = await startStatusServer({
      port: config.port, log,
      report: async () => {
        // Refreshes the page status the snapshot carries (falls back to the last one).
        if (supervisor.snapshot().state === 'running') await supervisor.status();
        return buildStatus({
          now: Date.now(), startedAt, name: config.name, version: RELAY_NODE_VERSION, origin, peerId: dataDir.state.peerId,
          quotaBytes: config.quotaBytes, signalUrl: config.signalUrl, executable: browser.path,
          browser: supervisor.snapshot(), signalCheck: signalCheck.state(), selfCheck: selfCheck?.last() ?? null,
          staleAfterMs: Math.max(60_000, 3 * config.watchdogIntervalMs),
        });
      },
    });
    cleanups.push(() => statusServer.close());

    // Signals are handled from here on, also while the browser is still starting.
    // SIGHUP too: a closed terminal must not leave a browser without its supervisor.
    // One Ctrl-C arrives twice (npm and the terminal): stop-signals.ts makes that one stop.
    const stopSignals = watchStopSignals({ log, exit: (code) => process.exit(code) });
    const stopRequested = stopSignals.requested;
    const started = supervisor.start();
    const first = await Promise.race([started.then(() => 'started' as const), stopRequested]);
    if (first !== 'started') {
      log.info('shutdown', { signal: first, note: 'waiting for the browser start to finish' });
      await started.catch((e: unknown) => log.warn('start-interrupted', { error: errorText(e) }));
    } else {
      selfCheck = scheduleSelfCheck({
        intervalMs: config.selfCheckMinutes * 60_000, sample: config.selfCheckSample, log,
        run: (n) => supervisor.selfCheck(n, 5 * 60_000),
      });
      cleanups.push(() => selfCheck?.stop());
      log.info('running', { status: `${statusServer.url}/status`, pid: supervisor.snapshot().pid });
      const sig = await stopRequested;
      log.info('shutdown', { signal: sig });
    }
    await supervisor.stop();
    await cleanup();
    stopSignals.done();
    log.info('stopped');
    return 0;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

process.on('unhandledRejection', (e) => {
  console.error(`relay-node: internal error (unhandled rejection): ${errorText(e)}`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`relay-node: ${errorText(e)}`);
    process.exit(1);
  },
);
