/**
 * Short-lived TURN credentials for coturn's `use-auth-secret` mode (the "TURN REST API"):
 * username = `<unix expiry seconds>:<id>`, credential = base64(HMAC-SHA1(secret, username)).
 * coturn recomputes the HMAC with its `static-auth-secret` and rejects expired usernames, so
 * the signal server and coturn share only that secret and no user database.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../../web/src/core/signal-messages.ts';

export interface TurnConfig {
  secret: string;
  /** e.g. `turn:turn.example.org:3478?transport=udp`, `turns:turn.example.org:5349?transport=tcp` */
  urls: string[];
  /** Lifetime of one credential, seconds. */
  ttlSec: number;
}

export interface TurnCredentials {
  iceServers: IceServer[];
  /** Unix time in milliseconds after which coturn refuses the credential. */
  expiresAt: number;
}

export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

/** `id` is recorded by coturn in its logs (and usable for per-user quotas): we pass the peer id. */
export function makeTurnCredentials(cfg: TurnConfig, id: string, nowMs: number): TurnCredentials {
  const expiry = Math.floor(nowMs / 1000) + Math.max(1, Math.floor(cfg.ttlSec));
  const username = `${expiry}:${id}`;
  return {
    iceServers: [{ urls: cfg.urls.slice(), username, credential: turnCredential(cfg.secret, username) }],
    expiresAt: expiry * 1000,
  };
}
