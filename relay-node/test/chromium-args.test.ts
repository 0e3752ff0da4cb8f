import { describe, expect, it } from 'vitest';
import { relayChromiumArgs } from '../src/chromium-args.ts';

describe('relayChromiumArgs', () => {
  it('production: no loopback-only flags, no sandbox switch unless root', () => {
    const prod = relayChromiumArgs({ testLoopback: false, isRoot: false });
    expect(prod).toEqual(expect.arrayContaining(['--no-first-run', '--disable-sync', '--disable-component-update']));
    for (const a of prod) expect(a).not.toMatch(/host-resolver-rules|allow-loopback|fake-ui|WebRtcHideLocalIpsWithMdns|no-sandbox/);
    expect(relayChromiumArgs({ testLoopback: false, isRoot: true })).toContain('--no-sandbox');
  });

  it('--test-loopback adds the loopback WebRTC set, with one merged --disable-features', () => {
    const t = relayChromiumArgs({ testLoopback: true, isRoot: false });
    expect(t).toEqual(expect.arrayContaining(['--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream']));
    const features = t.filter((a) => a.startsWith('--disable-features='));
    expect(features).toHaveLength(1);
    expect(features[0]).toMatch(/DestroyProfileOnBrowserClose.*WebRtcHideLocalIpsWithMdns/);
  });
});
