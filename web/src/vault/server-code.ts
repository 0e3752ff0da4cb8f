/**
 * The signal server's one-time enrolment code (docs/signal-server.md "Enrolment"), held by this
 * browser until a vault's room has used it. It belongs to the server, which is this origin's, so
 * it lives in localStorage rather than in one vault: opening `/#enrol=CODE` (the address
 * `npm start` prints) and then creating or unlocking a vault enrols that vault. Not a secret that
 * opens anything: the server learns it anyway, and it is worthless once used.
 */
const KEY = 'fv.serverCode';

const storage = (): Storage | undefined => (typeof localStorage === 'undefined' ? undefined : localStorage);

export function pendingServerCode(): string | undefined {
  return storage()?.getItem(KEY) ?? undefined;
}

/** Keeps `code` (trimmed) for the next join; an empty one clears it. */
export function setServerCode(code: string): void {
  const c = code.trim();
  if (c) storage()?.setItem(KEY, c);
  else storage()?.removeItem(KEY);
}

export function clearServerCode(): void {
  storage()?.removeItem(KEY);
}

/** Takes `#enrol=CODE` out of the address bar into storage; true if there was one. */
export function takeServerCodeFromUrl(): boolean {
  if (typeof location === 'undefined' || !location.hash.startsWith('#enrol=')) return false;
  setServerCode(decodeURIComponent(location.hash.slice('#enrol='.length)));
  history.replaceState(null, '', location.pathname + location.search);
  return true;
}
