/**
 * Settings from three sources, strongest first: command-line flags, RELAY_* environment
 * variables, the --config JSON file; then defaults. Pure (files are read through `ctx`),
 * so the precedence is unit-tested. Relative paths in the config file are relative to it.
 * Errors never include the invite.
 */
import { dirname, join, resolve } from 'node:path';
import { FLAGS, findFlag, type FlagSpec } from './args.ts';
import { INVITE_FILE } from './data-dir.ts';
import { checkRelayInvite } from './invite-check.ts';
import { isLogLevel, type LogFormat, type LogLevel } from './log.ts';
import { parseQuota } from './quota.ts';
import { normalizeSignalUrl } from './signal-url.ts';

export interface RelayConfig {
  dataDir: string;
  signalUrl: string;
  signalHealthUrl: string;
  signalInsecure: boolean;
  invite: string;
  /**
   * Where the invite came from; 'flag' earns a warning (argv is visible to other users);
   * 'saved': none was set, and DIR/invite (pasted at the first start: first-run-invite.ts) was read.
   */
  inviteSource: 'flag' | 'env' | 'file' | 'config' | 'saved';
  name: string;
  quotaBytes: number | null;
  port: number;
  pagePort: number;
  webDir: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  selfCheckMinutes: number;
  selfCheckSample: number;
  testLoopback: boolean;
  watchdogIntervalMs: number;
  watchdogTimeoutMs: number;
}

export interface ConfigContext {
  env: Record<string, string | undefined>;
  cwd: string;
  readFile: (path: string) => string;
  hostname: string;
  defaultWebDir: string;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_PAGE_PORT = 8788;

type Source = 'flag' | 'env' | 'config';
interface Value {
  value: string;
  source: Source;
}

export const envName = (flag: string): string => `RELAY_${flag.toUpperCase().replace(/-/g, '_')}`;
const PATH_FLAGS = new Set(['data', 'invite-file', 'web-dir', 'config']);
// Keys that make no sense inside the file itself.
const NOT_IN_FILE = new Set(['config', 'help', 'help-all', 'json']);

/** Merges the three sources into raw strings (paths resolved), strongest source winning. */
export function mergeSources(flags: Map<string, string>, ctx: ConfigContext): Map<string, Value> | { error: string } {
  const out = new Map<string, Value>();
  const configPath = flags.get('config') ?? ctx.env[envName('config')];
  if (configPath) {
    const file = resolve(ctx.cwd, configPath);
    const fromFile = readConfigFile(file, ctx);
    if ('error' in fromFile) return fromFile;
    for (const [k, v] of fromFile) out.set(k, { value: PATH_FLAGS.has(k) ? resolve(dirname(file), v) : v, source: 'config' });
  }
  for (const spec of FLAGS) {
    const v = ctx.env[envName(spec.flag)];
    if (v !== undefined && v !== '' && !NOT_IN_FILE.has(spec.flag)) out.set(spec.flag, { value: pathed(spec.flag, v, ctx), source: 'env' });
  }
  for (const [k, v] of flags) out.set(k, { value: pathed(k, v, ctx), source: 'flag' });
  return out;
}

const pathed = (flag: string, v: string, ctx: ConfigContext): string => (PATH_FLAGS.has(flag) ? resolve(ctx.cwd, v) : v);

function readConfigFile(file: string, ctx: ConfigContext): Map<string, string> | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(ctx.readFile(file));
  } catch (e) {
    // A JSON syntax error quotes part of the file, which may hold the invite: say only where.
    const why = e instanceof SyntaxError ? 'not valid JSON' : e instanceof Error ? e.message : String(e);
    return { error: `config file ${file}: ${why}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: `config file ${file}: expected a JSON object` };
  const out = new Map<string, string>();
  for (const [key, v] of Object.entries(json)) {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`); // pagePort → page-port
    const spec = findFlag(flag);
    if (!spec || NOT_IN_FILE.has(flag)) return { error: `config file ${file}: unknown setting "${key.slice(0, 40)}"` };
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      return { error: `config file ${file}: "${key}" must be a string, number or boolean` };
    }
    out.set(flag, String(v));
  }
  return out;
}

function where(spec: FlagSpec, source: Source): string {
  return source === 'flag' ? `--${spec.flag}` : source === 'env' ? envName(spec.flag) : `"${spec.flag}" in the config file`;
}

type Parsed<T> = T | { error: string };

/** Thrown by the value readers below; resolveConfig turns it into `{ error }`. */
class ConfigError extends Error {}

/** No invite is set and none is saved in the data dir: the first start may ask for one (first-run-invite.ts). */
class NoInviteError extends ConfigError {
  constructor(readonly dataDir: string) {
    super('missing the relay invite: set RELAY_INVITE, --invite-file FILE or --invite STRING (make a relay invite in the family app), ' +
      'or start relay-node once in a terminal and paste the invite when it asks');
  }
}

/** resolveConfig's refusal; `noInvite` when the only thing missing so far is the invite. */
export type ConfigRefusal = { error: string; noInvite?: { dataDir: string } };

function num(values: Map<string, Value>, flag: string, dflt: number, min: number, max: number, integer: boolean): number {
  const v = values.get(flag);
  if (!v) return dflt;
  const n = Number(v.value);
  if (v.value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new ConfigError(`${where(findFlag(flag)!, v.source)}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${v.value.slice(0, 40)}"`);
  }
  return n;
}

function bool(values: Map<string, Value>, flag: string): boolean {
  const v = values.get(flag);
  if (!v) return false;
  if (v.value === 'true' || v.value === '1') return true;
  if (v.value === 'false' || v.value === '0') return false;
  throw new ConfigError(`${where(findFlag(flag)!, v.source)}: expected true or false`);
}

function catching<T>(fn: () => T): T | ConfigRefusal {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NoInviteError) return { error: e.message, noInvite: { dataDir: e.dataDir } };
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
}

/** The status command needs only the port; it reads the same sources so it finds the same relay. */
export function resolveStatusPort(flags: Map<string, string>, ctx: ConfigContext): Parsed<number> {
  const values = mergeSources(flags, ctx);
  if ('error' in values) return values;
  return catching(() => num(values, 'port', DEFAULT_PORT, 1, 65535, true));
}

export function resolveConfig(flags: Map<string, string>, ctx: ConfigContext): RelayConfig | ConfigRefusal {
  const values = mergeSources(flags, ctx);
  if ('error' in values) return values;
  return catching(() => build(values, ctx));
}

function build(values: Map<string, Value>, ctx: ConfigContext): RelayConfig {
  const get = (f: string): string | undefined => values.get(f)?.value;

  const dataDir = get('data');
  if (!dataDir) throw new ConfigError('missing --data DIR (where the relay keeps its storage; see --help)');
  const signal = get('signal');
  if (!signal) throw new ConfigError('missing --signal URL (your family\'s signal server, e.g. wss://vault.example.org/signal)');
  const urls = normalizeSignalUrl(signal);
  if ('error' in urls) throw new ConfigError(urls.error);

  const quota = parseQuota(get('quota') ?? 'unlimited');
  if (!quota.ok) throw new ConfigError(quota.error);
  const name = (get('name') ?? ctx.hostname).trim();
  if (name === '' || name.length > 64) throw new ConfigError('--name must be 1 to 64 characters');

  const logLevel = get('log-level') ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError(`--log-level must be debug, info, warn or error, not "${logLevel.slice(0, 20)}"`);
  const logFormat = get('log-format') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new ConfigError(`--log-format must be text or json, not "${logFormat.slice(0, 20)}"`);

  const port = num(values, 'port', DEFAULT_PORT, 1, 65535, true);
  const pagePort = num(values, 'page-port', DEFAULT_PAGE_PORT, 1, 65535, true);
  if (port === pagePort) throw new ConfigError(`--port and --page-port must differ (both are ${port})`);
  const selfCheckMinutes = num(values, 'self-check-minutes', 60, 0, 7 * 24 * 60, false);
  const selfCheckSample = num(values, 'self-check-sample', 64, 1, 100_000, true);
  const testLoopback = bool(values, 'test-loopback');
  const watchdogIntervalMs = Math.round(num(values, 'watchdog-interval', 15, 0.2, 3600, false) * 1000);
  const watchdogTimeoutMs = Math.round(num(values, 'watchdog-timeout', 30, 0.5, 3600, false) * 1000);

  // Last, so that a missing invite (which the first start may ask for) is the only thing wrong.
  const { invite, inviteSource } = readInvite(values, ctx, dataDir);
  const inviteOk = checkRelayInvite(invite);
  if (!inviteOk.ok) throw new ConfigError(inviteOk.error);

  return {
    dataDir, signalUrl: urls.wsUrl, signalHealthUrl: urls.healthUrl, signalInsecure: urls.insecure,
    invite, inviteSource, name, quotaBytes: quota.bytes,
    port, pagePort, webDir: get('web-dir') ?? ctx.defaultWebDir,
    logLevel, logFormat, selfCheckMinutes, selfCheckSample, testLoopback, watchdogIntervalMs, watchdogTimeoutMs,
  };
}

/**
 * --invite / RELAY_INVITE / "invite", or --invite-file and friends: exactly one. With neither,
 * the invite saved in the data dir at the first start (DIR/invite), if there is one.
 */
function readInvite(values: Map<string, Value>, ctx: ConfigContext, dataDir: string): Pick<RelayConfig, 'invite' | 'inviteSource'> {
  const inline = values.get('invite');
  const file = values.get('invite-file');
  if (inline && file) {
    throw new ConfigError(`give the invite once: ${where(findFlag('invite')!, inline.source)} and ${where(findFlag('invite-file')!, file.source)} are both set`);
  }
  if (file) {
    try {
      return { invite: ctx.readFile(file.value).trim(), inviteSource: 'file' };
    } catch (e) {
      throw new ConfigError(`invite file ${file.value}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (inline) return { invite: inline.value.trim(), inviteSource: inline.source };
  const saved = join(dataDir, INVITE_FILE);
  try {
    return { invite: ctx.readFile(saved).trim(), inviteSource: 'saved' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NoInviteError(dataDir);
    throw new ConfigError(`the saved invite ${saved}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
