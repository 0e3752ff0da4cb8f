/** Identity, keystore, vault secrets, signaling, invites and handshake, through a CryptoApi. */
import {
  anyOf, assert, assertEqual, assertNotEqual, assertRejects, isRangeError, isTypeError, type SuiteCase,
} from '../../core/assert-suite.ts';
import { concatBytes, fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../core/bytes.ts';
import { isDecryptError, isIntegrityError, isVersionError } from '../../core/errors.ts';
import { isRoomId } from '../../core/ids.ts';
import { vouchTranscript } from '../../core/signal-messages.ts';
import type { CryptoApi } from '../api-types.ts';
import { ARGON2_DEFAULT, ARGON2_FALLBACKS, ARGON2_FLOOR, meetsFloor } from '../argon2-params.ts';
import { LABEL } from '../labels.ts';
import { ed25519Verify, sha256 } from '../primitives.ts';
import { X25519_LOW_ORDER } from './vectors.ts';
import { TEST_ARGON2, TEST_BUNDLE_OPTS, seq } from './util.ts';

export function keyCases(api: CryptoApi): SuiteCase[] {
  return [
    {
      name: 'identity: public identity round-trips; fingerprint and 8 safety words are stable and distinct',
      async run() {
        const a = await api.createIdentity();
        const b = await api.createIdentity();
        const enc = await api.encodePublicIdentity(a);
        assertEqual(enc.length, 66);
        const back = await api.decodePublicIdentity(enc);
        assertEqual(back, { signPublic: a.signPublic, boxPublic: a.boxPublic });
        const wa = await api.safetyWords(a);
        assertEqual(wa.length, 8);
        assertEqual(await api.safetyWords(back), wa);
        assertNotEqual(await api.safetyWords(b), wa);
        assertEqual((await api.fingerprint(a)).length, 32);
      },
    },
    {
      name: 'identity: a low-order X25519 key or a non-point Ed25519 key is refused',
      async run() {
        const a = await api.createIdentity();
        for (const u of X25519_LOW_ORDER) {
          const bad = await api.encodePublicIdentity({ signPublic: a.signPublic, boxPublic: fromHex(u) });
          await assertRejects(() => api.decodePublicIdentity(bad), isIntegrityError, 'low-order box key');
        }
        const notPoint = await api.encodePublicIdentity({ signPublic: new Uint8Array(32).fill(0xff), boxPublic: a.boxPublic });
        await assertRejects(() => api.decodePublicIdentity(notPoint), isIntegrityError, 'non-point sign key');
      },
    },
    {
      name: 'keystore: DEFAULT and every fallback are at or above the documented floor',
      run() {
        assert(meetsFloor(ARGON2_DEFAULT), 'default below floor');
        for (const p of ARGON2_FALLBACKS) assert(meetsFloor(p), 'fallback below floor');
        assert(ARGON2_FLOOR.memory >= 19 * 1024 && ARGON2_FLOOR.iterations >= 2, 'floor weaker than OWASP minimum');
        assert(ARGON2_DEFAULT.memory >= 64 * 1024, 'default memory under 64 MiB');
      },
    },
    {
      name: 'keystore: a bundle made with the default parameters records them and unlocks (≈1 s)',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'default params');
        assert(meetsFloor(nb.params), 'created below the floor');
        assertEqual((await api.readKeyBundle(nb.bundle)).params, nb.params);
        assertEqual(await api.unlockWithPassphrase(nb.bundle, 'default params'), id);
      },
    },
    {
      name: 'keystore: parameters below the floor are refused unless explicitly allowed (tests)',
      async run() {
        const id = await api.createIdentity();
        await assertRejects(() => api.createKeyBundle(id, 'pw', { params: TEST_ARGON2 }), isRangeError);
        await assertRejects(() => api.createKeyBundle(id, 'pw', { params: { memory: 1 << 30, iterations: 1, parallelism: 1 } }), isRangeError);
      },
    },
    {
      name: 'keystore: passphrase unlocks, wrong passphrase is a DecryptError, recovery phrase unlocks the same keys',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'correct horse', TEST_BUNDLE_OPTS);
        assertEqual(nb.params, TEST_ARGON2);
        assertEqual(nb.recoveryPhrase.split(' ').length, 24);
        assertEqual(await api.unlockWithPassphrase(nb.bundle, 'correct horse'), id);
        assertEqual(await api.unlockWithRecovery(nb.bundle, `  ${nb.recoveryPhrase.toUpperCase()} `), id);
        const e = await assertRejects(() => api.unlockWithPassphrase(nb.bundle, 'correct horse!'), isDecryptError);
        assert(!String((e as Error).message).includes('correct'), 'error message repeats the passphrase');
        const info = await api.readKeyBundle(nb.bundle);
        assertEqual(info.publicIdentity, { signPublic: id.signPublic, boxPublic: id.boxPublic });
        assertEqual(info.params, TEST_ARGON2);
      },
    },
    {
      name: 'keystore: a valid but wrong recovery phrase is a DecryptError; a mistyped one a RangeError',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'pw', TEST_BUNDLE_OPTS);
        const other = await api.createKeyBundle(id, 'pw', TEST_BUNDLE_OPTS);
        await assertRejects(() => api.unlockWithRecovery(nb.bundle, other.recoveryPhrase), isDecryptError);
        const words = nb.recoveryPhrase.split(' ');
        await assertRejects(() => api.unlockWithRecovery(nb.bundle, words.slice(0, 23).join(' ')), isRangeError);
        await assertRejects(() => api.unlockWithRecovery(nb.bundle, [...words.slice(0, 23), 'notaword'].join(' ')), isRangeError);
        const swapped = [words[1], words[0], ...words.slice(2)].join(' ');
        if (swapped !== nb.recoveryPhrase) {
          await assertRejects(() => api.unlockWithRecovery(nb.bundle, swapped), anyOf(isRangeError, isDecryptError));
        }
      },
    },
    {
      name: 'keystore: change passphrase (old fails, new works, recovery still works, keys unchanged)',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'old pass', TEST_BUNDLE_OPTS);
        const changed = await api.changePassphrase(nb.bundle, { passphrase: 'old pass' }, 'new pass', TEST_BUNDLE_OPTS);
        await assertRejects(() => api.unlockWithPassphrase(changed, 'old pass'), isDecryptError);
        assertEqual(await api.unlockWithPassphrase(changed, 'new pass'), id);
        assertEqual(await api.unlockWithRecovery(changed, nb.recoveryPhrase), id);
        const viaRecovery = await api.changePassphrase(changed, { recoveryPhrase: nb.recoveryPhrase }, 'third', TEST_BUNDLE_OPTS);
        assertEqual(await api.unlockWithPassphrase(viaRecovery, 'third'), id);
        await assertRejects(() => api.changePassphrase(changed, { passphrase: 'wrong' }, 'x', TEST_BUNDLE_OPTS), isDecryptError);
        await assertRejects(() => api.createKeyBundle(id, '', TEST_BUNDLE_OPTS), isRangeError);
      },
    },
    {
      name: 'keystore: NFC and NFD spellings of a passphrase unlock alike',
      async run() {
        const id = await api.createIdentity();
        const nb = await api.createKeyBundle(id, 'Cr\u00e8me br\u00fbl\u00e9e', TEST_BUNDLE_OPTS);
        assertEqual(await api.unlockWithPassphrase(nb.bundle, 'Cre\u0300me bru\u0302le\u0301e'), id);
      },
    },
    {
      name: 'vault keys: deterministic, distinct subkeys; room id is base64url of the room public key',
      async run() {
        const secret = await api.newVaultSecret();
        const k = await api.deriveVaultKeys(secret);
        assertEqual(await api.deriveVaultKeys(secret), k);
        assert(isRoomId(k.roomId), 'room id shape');
        assertEqual(toBase64Url(k.roomPublicKey), k.roomId);
        const subkeys = [k.roomSecretKey, k.roomKey, k.handshakeKey, secret].map(toHex);
        assertEqual(new Set(subkeys).size, 4, 'subkeys must differ from each other and the secret');
        const other = await api.deriveVaultKeys(await api.newVaultSecret());
        assertNotEqual(other.roomId, k.roomId);
        const m = await api.deriveMemberKeys(await api.newMemberSecret());
        assertEqual(m.dedupKey.length, 32);
      },
    },
    {
      name: 'signJoin: verifies for its nonce/room/peer only',
      async run() {
        const k = await api.deriveVaultKeys(seq(32, 1));
        const sig = await api.signJoin(k.roomSecretKey, 'n0nce', k.roomId, 'peer-aaaa');
        assertEqual(fromBase64Url(sig).length, 64);
        assert(await api.verifyJoin(k.roomId, 'n0nce', 'peer-aaaa', sig), 'valid join refused');
        assert(!(await api.verifyJoin(k.roomId, 'other', 'peer-aaaa', sig)), 'other nonce accepted');
        assert(!(await api.verifyJoin(k.roomId, 'n0nce', 'peer-bbbb', sig)), 'other peer accepted');
        const other = await api.deriveVaultKeys(seq(32, 2));
        assert(!(await api.verifyJoin(other.roomId, 'n0nce', 'peer-aaaa', sig)), 'other room accepted');
        assert(!(await api.verifyJoin('!!', 'n0nce', 'peer-aaaa', sig)), 'garbage room accepted');
      },
    },
    {
      name: 'signRoomVouch: names its own room and verifies for the vouched room only (the signal server checks it)',
      async run() {
        const k = await api.deriveVaultKeys(seq(32, 1));
        const next = await api.deriveVaultKeys(seq(32, 2));
        const v = await api.signRoomVouch(k.roomSecretKey, next.roomId);
        assertEqual(v.room, k.roomId);
        const ok = (room: string, sig: string, by = k.roomPublicKey) => ed25519Verify(by, utf8(vouchTranscript(v.room, room)), fromBase64Url(sig));
        assert(ok(next.roomId, v.sig), 'valid vouch refused');
        assert(!ok(k.roomId, v.sig), 'vouch for another room accepted');
        assert(!ok(next.roomId, v.sig, next.roomPublicKey), 'vouch under another key accepted');
        const join = await api.signJoin(k.roomSecretKey, 'n0nce', next.roomId, 'peer-aaaa');
        assert(!ok(next.roomId, join), 'a join signature counts as a vouch');
      },
    },
    {
      name: 'signal: sealed payload opens only with the same key, sender and recipient',
      async run() {
        const { roomKey } = await api.deriveVaultKeys(seq(32, 3));
        const data = await api.sealSignal(roomKey, 'peerA', 'peerB', '{"sdp":"v=0"}');
        assertEqual(await api.openSignal(roomKey, 'peerA', 'peerB', data), utf8('{"sdp":"v=0"}'));
        await assertRejects(() => api.openSignal(roomKey, 'peerC', 'peerB', data), isDecryptError, 'forged sender');
        await assertRejects(() => api.openSignal(roomKey, 'peerA', 'peerC', data), isDecryptError, 'other recipient');
        await assertRejects(() => api.openSignal(roomKey, 'peerA', null, data), isDecryptError, 'as broadcast');
        const other = (await api.deriveVaultKeys(seq(32, 4))).roomKey;
        await assertRejects(() => api.openSignal(other, 'peerA', 'peerB', data), isDecryptError, 'other room key');
        const bc = await api.sealSignal(roomKey, 'peerA', null, utf8('hi'));
        assertEqual(await api.openSignal(roomKey, 'peerA', null, bc), utf8('hi'));
        await assertRejects(() => api.openSignal(roomKey, 'peerA', 'peerB', 'not base64!'), isIntegrityError);
      },
    },
    {
      name: 'invites: member and relay invites round-trip, from a bare code or a link',
      async run() {
        const vaultSecret = await api.newVaultSecret();
        const memberSecret = await api.newMemberSecret();
        const inviter = await api.fingerprint(await api.createIdentity());
        const inviteSeed = seq(32, 9);
        const m = await api.encodeInvite({ kind: 'member', vaultSecret, memberSecret, inviter, inviteSeed });
        const r = await api.encodeInvite({ kind: 'relay', vaultSecret, inviter, inviteSeed });
        assert(m.startsWith('fv.') && r.startsWith('fv.'), 'prefix');
        assert(m.length <= 186 && r.length <= 144, `compact: ${m.length}, ${r.length}`);
        assertEqual(await api.parseInvite(m), { kind: 'member', vaultSecret, memberSecret, inviter, inviteSeed });
        const relay = await api.parseInvite(`https://vault.example/#join=${r}`);
        assertEqual(relay, { kind: 'relay', vaultSecret, inviter, inviteSeed });
        assert(!('memberSecret' in relay), 'a relay invite carries no member secret');
        assertEqual(await api.parseInvite(`  #join=${m}\n`), await api.parseInvite(m));
      },
    },
    {
      name: 'invites: strict parsing with clear errors (type, prefix, characters, length, checksum, version)',
      async run() {
        const vaultSecret = seq(32, 5);
        const inviter = seq(32, 6);
        const code = await api.encodeInvite({ kind: 'relay', vaultSecret, inviter, inviteSeed: seq(32, 7) });
        const bad = isRangeError;
        await assertRejects(() => api.parseInvite(42 as unknown as string), isTypeError);
        for (const s of ['', 'fv.', 'hello', `xx.${code.slice(3)}`, `${code}!`, code.slice(0, -1), code.slice(0, -4), `${code}AAAA`]) {
          await assertRejects(() => api.parseInvite(s), anyOf(bad, isVersionError), `accepted ${JSON.stringify(s.slice(0, 12))}`);
        }
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        for (let i = 3; i < code.length; i++) {
          const c = alphabet[(alphabet.indexOf(code[i]!) + 1) % 64]!;
          const typo = code.slice(0, i) + c + code.slice(i + 1);
          await assertRejects(() => api.parseInvite(typo), anyOf(bad, isVersionError), `typo at ${i}`);
        }
        const e = await assertRejects(() => api.parseInvite(code.slice(0, 40)), bad);
        assert(!String((e as Error).message).includes(code.slice(3, 20)), 'error echoes the invite');
        await assertRejects(() => api.encodeInvite({ kind: 'relay', vaultSecret: seq(31), inviter, inviteSeed: seq(32) }), isRangeError);
      },
    },
    {
      name: 'invites and signals: a well-formed envelope of an unknown version, algorithm or kind is a VersionError',
      async run() {
        const code = await api.encodeInvite({ kind: 'relay', vaultSecret: seq(32, 5), inviter: seq(32, 6), inviteSeed: seq(32, 7) });
        const body = fromBase64Url(code.slice(3)).subarray(0, -4);
        for (const [i, v] of [[0, 2], [1, 0x05], [2, 9]] as const) {
          const b = body.slice();
          b[i] = v;
          const check = sha256(concatBytes(utf8(LABEL.inviteCheck), b)).subarray(0, 4); // a valid checksum
          await assertRejects(() => api.parseInvite(`fv.${toBase64Url(concatBytes(b, check))}`), isVersionError, `invite byte ${i}`);
        }
        const { roomKey } = await api.deriveVaultKeys(seq(32, 3));
        const sig = fromBase64Url(await api.sealSignal(roomKey, 'peerA', 'peerB', 'x'));
        for (const i of [0, 1]) {
          const b = sig.slice();
          b[i] = 9;
          await assertRejects(() => api.openSignal(roomKey, 'peerA', 'peerB', toBase64Url(b)), isVersionError, `signal byte ${i}`);
        }
      },
    },
    {
      name: 'handshake: MAC and context-bound device signatures',
      async run() {
        const { handshakeKey } = await api.deriveVaultKeys(seq(32, 7));
        const t = utf8('transcript with both DTLS fingerprints');
        const mac = await api.handshakeMac(handshakeKey, t);
        assert(await api.verifyHandshakeMac(handshakeKey, t, mac), 'valid MAC refused');
        assert(!(await api.verifyHandshakeMac(handshakeKey, utf8('other'), mac)), 'other transcript accepted');
        assert(!(await api.verifyHandshakeMac(seq(32), t, mac)), 'other key accepted');
        const dev = await api.newSigningKey();
        const sig = await api.signDetached(dev.secretKey, 'handshake', t);
        assert(await api.verifyDetached(dev.publicKey, 'handshake', t, sig), 'valid signature refused');
        assert(!(await api.verifyDetached(dev.publicKey, 'other-context', t, sig)), 'other context accepted');
      },
    },
  ];
}
