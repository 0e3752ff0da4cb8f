/** relay-node's version: the repository's package.json (relay-node ships with the web app it serves). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const v = (pkg as { version?: unknown }).version;
  return typeof v === 'string' ? v : '0.0.0';
}

export const RELAY_NODE_VERSION = readVersion();
