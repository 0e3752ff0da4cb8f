/** `relay-node status` for a person: the /status report as a few aligned lines. Pure. */
import { formatBytes } from './quota.ts';
import type { StatusReport } from './status-report.ts';

export function formatDuration(sec: number): string {
  if (sec < 60) return `${Math.max(0, Math.round(sec))} s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

const ago = (t: number | null, now: number): string => (t === null ? 'never' : `${formatDuration((now - t) / 1000)} ago`);

export function formatStatus(r: StatusReport, now: number = Date.now()): string {
  const lines: string[] = [];
  const row = (label: string, text: string): void => {
    lines.push(`  ${label.padEnd(11)}${text}`);
  };
  lines.push(`Family Vault relay "${r.name}": ${r.ok ? 'OK, ready' : `NOT READY: ${r.problem ?? 'unknown'}`}`);
  row('version', `relay-node ${r.version}${r.pageVersion ? `, page ${r.pageVersion}` : ''}; up ${formatDuration(r.uptimeSec)}`);
  const b = r.browser;
  row('browser', `${b.state}${b.pid !== null ? `, pid ${b.pid}` : ''}; restarts ${b.restarts}` +
    `${b.lastRestartReason ? ` (last: ${b.lastRestartReason})` : ''}; storage ${b.storagePersisted ? 'persistent' : b.storagePersisted === false ? 'NOT persistent' : 'unknown'}`);
  if (b.lastError) row('', `last error: ${b.lastError}`);
  row('origin', `${r.origin}  peer id ${r.peerId}`);
  const stored = r.objects === null ? 'unknown'
    : `${r.objects.toLocaleString('en-US')} objects, ${formatBytes(r.bytes ?? 0)}` +
      (r.quotaBytes ? ` of ${formatBytes(r.quotaBytes)} quota (${(((r.bytes ?? 0) / r.quotaBytes) * 100).toFixed(1)}%)` : ' (no quota)');
  row('stored', stored + (r.refusedForQuota ? `; FULL: ${r.refusedForQuota} objects refused for the quota` : ''));
  row('queue', r.queueDepth === null ? 'unknown' : `${r.queueDepth} job${r.queueDepth === 1 ? '' : 's'}; last sync ${ago(r.lastSyncAt, now)}`);
  const reach = r.signal.serverReachable === null ? '' : r.signal.serverReachable ? ', server reachable' : `, server UNREACHABLE${r.signal.error ? ` (${r.signal.error})` : ''}`;
  row('signal', `${r.signal.state} ${r.signal.url}${reach}`);
  row('peers', r.peers.length === 0 ? 'none connected' : `${r.peers.length} connected`);
  for (const p of r.peers) {
    lines.push(`    ${(p.name ?? p.peerId).slice(0, 30).padEnd(30)} ${p.role.padEnd(7)} ${p.transport.padEnd(9)} last sync ${ago(p.lastSyncAt, now)}`);
  }
  const sc = r.selfCheck;
  row('self-check', !sc ? 'not run yet'
    : sc.error ? `failed ${ago(sc.at, now)}: ${sc.error}`
      : `${ago(sc.at, now)}: ${sc.checked} checked, ${sc.corrupt.length} corrupt${r.corrupt ? `; ${r.corrupt} corrupt in total` : ''}`);
  if (r.repaired || r.repairing) row('repair', `${r.repaired ?? 0} corrupt objects fetched again from another home or a member${r.repairing ? `; ${r.repairing} waiting for a peer that holds them` : ''}`);
  return lines.join('\n');
}
