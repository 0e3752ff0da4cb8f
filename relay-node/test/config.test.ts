import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.ts';
import { resolveConfig, resolveStatusPort, type ConfigContext, type RelayConfig } from '../src/config.ts';
import { memberInvite, relayInvite } from './invites.ts';

function ctx(env: Record<string, string> = {}, files: Record<string, string> = {}): ConfigContext {
  return {
    env, cwd: '/home/fam', hostname: 'minipc', defaultWebDir: '/opt/fv/web/dist',
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return f;
    },
  };
}

function flags(argv: string[]): Map<string, string> {
  const p = parseArgs(argv);
  if (p.kind !== 'ok') throw new Error(`parse failed: ${JSON.stringify(p)}`);
  return p.flags;
}

function ok(argv: string[], c: ConfigContext): RelayConfig {
  const r = resolveConfig(flags(argv), c);
  if ('error' in r) throw new Error(r.error);
  return r;
}

function err(argv: string[], c: ConfigContext): string {
  const r = resolveConfig(flags(argv), c);
  if (!('error' in r)) throw new Error('expected an error');
  return r.error;
}

const base = ['--data', 'relay-data', '--signal', 'wss://vault.example.org/signal'];

describe('relay-node settings', () => {
  it('uses defaults where nothing is set', () => {
    const c = ok([...base, '--invite', relayInvite()], ctx());
    expect(c).toMatchObject({
      dataDir: '/home/fam/relay-data', signalUrl: 'wss://vault.example.org/signal', signalHealthUrl: 'https://vault.example.org/healthz',
      name: 'minipc', quotaBytes: null, port: 8787, pagePort: 8788, webDir: '/opt/fv/web/dist', logLevel: 'info', logFormat: 'text',
      selfCheckMinutes: 60, selfCheckSample: 64, testLoopback: false, inviteSource: 'flag',
    });
  });

  it('flags win over RELAY_* which win over the config file', () => {
    const file = JSON.stringify({ name: 'FromFile', quota: '1TB', port: 9001, 'page-port': 9002, logLevel: 'debug', signal: 'https://file.example' });
    const env = { RELAY_CONFIG: 'conf/relay.json', RELAY_NAME: 'FromEnv', RELAY_PORT: '9101', RELAY_INVITE: relayInvite(), RELAY_DATA: '/var/lib/fv' };
    const c = ok(['--name', 'FromFlag'], ctx(env, { '/home/fam/conf/relay.json': file }));
    expect(c.name).toBe('FromFlag');
    expect(c.port).toBe(9101);
    expect(c.pagePort).toBe(9002);
    expect(c.quotaBytes).toBe(1e12);
    expect(c.logLevel).toBe('debug');
    expect(c.signalUrl).toBe('wss://file.example/signal');
    expect(c.dataDir).toBe('/var/lib/fv');
    expect(c.inviteSource).toBe('env');
  });

  it('resolves paths in the config file relative to the file', () => {
    const file = JSON.stringify({ data: 'data', inviteFile: 'invite.txt', signal: 'wss://v.example/signal' });
    const c = ok(['--config', '/etc/fv/relay.json'], ctx({}, { '/etc/fv/relay.json': file, '/etc/fv/invite.txt': relayInvite() + '\n' }));
    expect(c.dataDir).toBe('/etc/fv/data');
    expect(c.invite).toBe(relayInvite());
    expect(c.inviteSource).toBe('file');
  });

  it('refuses unknown settings and bad values, naming where they came from', () => {
    expect(err(['--config', '/c.json'], ctx({}, { '/c.json': '{"quotta": "1GB"}' }))).toMatch(/unknown setting "quotta"/);
    expect(err([...base, '--invite', relayInvite(), '--port', 'http'], ctx())).toMatch(/--port: expected an integer/);
    expect(err([...base, '--invite', relayInvite()], ctx({ RELAY_PAGE_PORT: '70000' }))).toMatch(/RELAY_PAGE_PORT: expected/);
    expect(err([...base, '--invite', relayInvite(), '--quota', 'lots'], ctx())).toMatch(/not a size/);
    expect(err([...base, '--invite', relayInvite(), '--port', '8788'], ctx())).toMatch(/must differ/);
    expect(err([...base, '--invite', relayInvite(), '--log-level', 'loud'], ctx())).toMatch(/--log-level/);
    expect(err([...base, '--invite', relayInvite(), '--signal', 'ftp://x'], ctx())).toMatch(/ws:\/\/, wss:\/\//);
  });

  it('requires data, signal and an invite', () => {
    expect(err(['--signal', 'wss://x/signal', '--invite', relayInvite()], ctx())).toMatch(/missing --data/);
    expect(err(['--data', 'd', '--invite', relayInvite()], ctx())).toMatch(/missing --signal/);
    expect(err(base, ctx())).toMatch(/missing the relay invite.*paste the invite when it asks/);
  });

  it('with no invite set, reads the one saved in the data dir at the first start, else says which data dir could ask for it', () => {
    // Nothing set, nothing saved: the refusal names the data dir (cli.ts may ask at the first start).
    const none = resolveConfig(flags(base), ctx());
    expect(none).toMatchObject({ error: expect.stringMatching(/missing the relay invite/), noInvite: { dataDir: '/home/fam/relay-data' } });
    // Something else wrong as well: that is said first, and nothing would be asked.
    expect(resolveConfig(flags([...base, '--port', 'http']), ctx())).not.toHaveProperty('noInvite');
    const saved = { '/home/fam/relay-data/invite': relayInvite() + '\n' };
    const c = ok(base, ctx({}, saved));
    expect(c.invite).toBe(relayInvite());
    expect(c.inviteSource).toBe('saved');
    // An invite that is set wins over the saved one; a saved member invite is refused like any other.
    expect(ok([...base, '--invite-file', '/etc/fv/invite'], ctx({}, { ...saved, '/etc/fv/invite': relayInvite() })).inviteSource).toBe('file');
    expect(err(base, ctx({}, { '/home/fam/relay-data/invite': memberInvite() }))).toMatch(/MEMBER invite/);
  });

  it('refuses a member invite, and never echoes an invite in errors', () => {
    const m = memberInvite();
    const e = err([...base, '--invite', m], ctx());
    expect(e).toMatch(/MEMBER invite/);
    expect(e).not.toContain(m.slice(3, 30));
    const bad = relayInvite().slice(0, -5);
    expect(err([...base, '--invite', bad], ctx())).not.toContain(bad.slice(3, 30));
    // A config file with a syntax error may hold the invite: the error says only "not valid JSON".
    const broken = `{"invite": "${relayInvite()}",}`;
    const fileErr = err(['--config', '/c.json'], ctx({}, { '/c.json': broken }));
    expect(fileErr).toMatch(/not valid JSON/);
    expect(fileErr).not.toContain(relayInvite().slice(3, 30));
  });

  it('takes the invite once: inline or from a file', () => {
    expect(err([...base, '--invite', relayInvite(), '--invite-file', 'x'], ctx())).toMatch(/give the invite once/);
    expect(err([...base, '--invite-file', 'nope.txt'], ctx())).toMatch(/invite file \/home\/fam\/nope.txt: ENOENT/);
  });

  it('accepts the signal server as https:// or ws:// and derives both URLs', () => {
    const c = ok(['--data', 'd', '--signal', 'https://vault.example.org/fam/', '--invite', relayInvite()], ctx());
    expect(c.signalUrl).toBe('wss://vault.example.org/fam/signal');
    expect(c.signalHealthUrl).toBe('https://vault.example.org/fam/healthz');
    expect(c.signalInsecure).toBe(false);
    const t = ok(['--data', 'd', '--signal', 'ws://127.0.0.1:8080/signal', '--invite', relayInvite()], ctx());
    expect(t.signalHealthUrl).toBe('http://127.0.0.1:8080/healthz');
    expect(t.signalInsecure).toBe(false);
    expect(ok(['--data', 'd', '--signal', 'http://vault.lan:8080', '--invite', relayInvite()], ctx()).signalInsecure).toBe(true);
  });

  it('the status command finds the port the same way', () => {
    expect(resolveStatusPort(flags(['status']), ctx())).toBe(8787);
    expect(resolveStatusPort(flags(['status']), ctx({ RELAY_PORT: '9000' }))).toBe(9000);
    expect(resolveStatusPort(flags(['status', '--port', '9100']), ctx({ RELAY_PORT: '9000' }))).toBe(9100);
    expect(resolveStatusPort(flags(['status', '--config', '/c.json']), ctx({}, { '/c.json': '{"port": 9200}' }))).toBe(9200);
  });
});

describe('relay-node command line', () => {
  it('knows help, status and refuses strays without echoing them', () => {
    expect(parseArgs(['--help']).kind).toBe('help');
    expect(parseArgs(['status', '--json'])).toMatchObject({ kind: 'ok', command: 'status' });
    const stray = parseArgs(['--data', 'd', relayInvite()]);
    expect(stray.kind).toBe('error');
    expect(JSON.stringify(stray)).not.toContain(relayInvite().slice(3, 30));
    expect(parseArgs(['--bogus'])).toMatchObject({ kind: 'error' });
    expect(parseArgs(['--data'])).toMatchObject({ kind: 'error', message: '--data needs a value' });
  });

  it('keeps test-only flags out of the normal help', () => {
    const help = parseArgs(['--help']);
    const all = parseArgs(['--help-all']);
    if (help.kind !== 'help' || all.kind !== 'help') throw new Error('expected help');
    expect(help.text).not.toContain('--test-loopback');
    // Where the invite comes from, including the first start in a terminal.
    expect(help.text).toMatch(/Make relay invite/);
    expect(help.text).toMatch(/first start of a new data dir in a terminal[\s\S]*asks you to paste it[\s\S]*DIR\/invite/);
    expect(all.text).toMatch(/--test-loopback\s+FOR TESTS ONLY/);
  });
});
