/**
 * The command a family member runs on the home computer to start a relay with an invite made in
 * the app: the invite in RELAY_INVITE (not argv, which other users of the machine can read), the
 * app's own signal server, a data folder and a name. relay-node/test/relay-command.test.ts checks
 * that the relay node accepts exactly this.
 */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function relayCommand(invite: string, signalUrl: string, name = 'Home'): string {
  return `RELAY_INVITE=${quote(invite)} npm run relay -- --data ./relay-data --signal ${quote(signalUrl)} --name ${quote(name)}`;
}
