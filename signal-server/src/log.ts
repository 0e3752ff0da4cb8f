/**
 * Plain-text log lines on stdout, one per event an operator cares about (connect, refusal,
 * start, stop): `2026-11-27T21:40:00.000Z refuse ip=203.0.113.7 conn=12 code=4004 reason=rate-limit`.
 * Values are sanitised so a client cannot inject spaces or newlines into a line.
 */
export type LogSink = (line: string) => void;

export type LogFields = Record<string, string | number | boolean | undefined>;

const SAFE = /[^A-Za-z0-9._:/@+\-[\]]/g;

export function formatLogLine(event: string, fields: LogFields, now: Date = new Date()): string {
  let line = `${now.toISOString()} ${event}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${String(v).replace(SAFE, '_').slice(0, 200)}`;
  }
  return line;
}

export type Logger = (event: string, fields?: LogFields) => void;

export function makeLogger(sink: LogSink = (l) => process.stdout.write(l + '\n')): Logger {
  return (event, fields = {}) => sink(formatLogLine(event, fields));
}
