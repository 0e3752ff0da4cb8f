/**
 * `relay-node status [--port N] [--json]`: asks the running relay's /status on loopback and
 * prints it. Exit code: 0 healthy, 1 running but not healthy, 2 no relay answering.
 */
import { formatStatus } from './status-format.ts';
import type { StatusReport } from './status-report.ts';

export async function statusCommand(port: number, json: boolean, out: (s: string) => void = console.log): Promise<number> {
  const url = `http://127.0.0.1:${port}/status`;
  let report: StatusReport;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    report = (await res.json()) as StatusReport;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
    console.error(`relay-node status: no relay answering at ${url}: ${e instanceof Error ? e.message : String(e)}${cause}.\n` +
      'Is it running? (systemctl status family-vault-relay; journalctl -u family-vault-relay). ' +
      'If it uses another --port, pass the same one here.');
    return 2;
  }
  out(json ? JSON.stringify(report, null, 2) : formatStatus(report));
  return report.ok ? 0 : 1;
}
