/**
 * What the header says about the connection, in a family's words: whether this device is
 * online, and whether it reaches the family's server (not just the network). No lit here, so
 * the words are tested in Node.
 */
import type { ServerReach } from '../vault/server-connection.ts';

export interface NetworkWords {
  /** The short chip in the header ('' while locked and online: nothing to say yet). */
  chip: string;
  /** A sentence above the screen when something is wrong ('' otherwise). */
  note: string;
}

/**
 * A joined server is reached, whatever `navigator.onLine` says (it is false on a device whose
 * only network is loopback or a LAN the browser does not count); otherwise "offline" is the
 * likelier cause, and then what the server connection says.
 */
export function networkWords(online: boolean, server: ServerReach | undefined): NetworkWords {
  if (server === 'connected') return { chip: 'Connected', note: '' };
  if (!online) return { chip: 'Offline', note: 'Offline: what you add stays on this device and syncs when you are back online.' };
  switch (server) {
    case undefined:
      return { chip: '', note: '' };
    case 'connecting':
      return { chip: 'Connecting…', note: '' };
    case 'unreachable':
      return { chip: "Can't reach the server", note: "Can't reach your family's server: what you add stays on this device and syncs when it is back." };
    case 'needs-code':
      return { chip: 'Needs a server code', note: "Your family's server needs a code from the person who runs it: enter it under Family." };
  }
}
