/**
 * Structured logs with levels. One line per event, as text
 * (`2026-11-27T21:40:00.000Z INFO browser-started pid=1234 restarts=0`) or as JSON
 * (`{"time":…,"level":"info","event":"browser-started","pid":1234}`) for log shippers.
 * Debug and info go to stdout, warnings and errors to stderr (both land in the journal).
 * Every string is passed through `redactSecrets`, so an invite that reaches a log line by
 * accident (a page console message, an error text) is cut out.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; defaults to stdout (debug, info) and stderr (warn, error). */
  write?: (level: LogLevel, line: string) => void;
  now?: () => Date;
}

// An invite is "fv." + base64url; anything that looks like one is replaced.
const INVITE_LIKE = /fv\.[A-Za-z0-9_-]{16,}/g;

export function redactSecrets(text: string): string {
  return text.replace(INVITE_LIKE, 'fv.<redacted>');
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

// Text values are quoted only when needed, and newlines escaped, so one event stays one line.
function textValue(v: string | number | boolean | null | readonly string[]): string {
  const s = Array.isArray(v) ? v.join(',') : String(v);
  const clean = redactSecrets(s).slice(0, 2000);
  return /^[^\s"=]*$/.test(clean) && clean !== '' ? clean : JSON.stringify(clean);
}

export function formatLine(format: LogFormat, level: LogLevel, event: string, fields: LogFields, now: Date): string {
  const defined = Object.entries(fields).filter((e): e is [string, NonNullable<LogFields[string]> | null] => e[1] !== undefined);
  if (format === 'json') {
    const obj: Record<string, unknown> = { time: now.toISOString(), level, event: redactSecrets(event) };
    for (const [k, v] of defined) obj[k] = typeof v === 'string' ? redactSecrets(v) : Array.isArray(v) ? v.map((x: string) => redactSecrets(x)) : v;
    return JSON.stringify(obj);
  }
  let line = `${now.toISOString()} ${level.toUpperCase()} ${redactSecrets(event)}`;
  for (const [k, v] of defined) line += ` ${k}=${textValue(v)}`;
  return line;
}

const defaultWrite = (level: LogLevel, line: string): void => {
  (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line + '\n');
};

export function makeLogger(opts: LoggerOptions): Logger {
  const min = LOG_LEVELS.indexOf(opts.level);
  const write = opts.write ?? defaultWrite;
  const now = opts.now ?? (() => new Date());
  const at = (level: LogLevel) => (event: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    write(level, formatLine(opts.format, level, event, fields, now()));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A short, secret-free description of an unknown thrown value. */
export function errorText(e: unknown): string {
  return redactSecrets(e instanceof Error ? e.message : String(e));
}
