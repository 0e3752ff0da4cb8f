/** Known-answer tests of the primitives (run in whatever JS environment runs the suite). */
import { assert, assertEqual, assertRejects, isRangeError, type SuiteCase } from '../../core/assert-suite.ts';
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { isDecryptError } from '../../core/errors.ts';
import {
  aesGcmDecrypt, aesGcmEncrypt, blake3, ed25519PublicKey, ed25519Sign, ed25519Verify, hkdfSha256,
  isValidX25519Public, x25519PublicKey, x25519Shared,
} from '../primitives.ts';
import { flip } from './util.ts';
import { AES_GCM, BLAKE3, ED25519, HKDF_1, X25519_DH, X25519_FUNCTION, X25519_ITERATED, X25519_LOW_ORDER } from './vectors.ts';

export const katCases: SuiteCase[] = [
  {
    name: 'KAT X25519 RFC 7748 §5.2 function vectors',
    run() {
      for (const v of X25519_FUNCTION) assertEqual(toHex(x25519Shared(fromHex(v.scalar), fromHex(v.u))), v.out);
    },
  },
  {
    name: 'KAT X25519 RFC 7748 §5.2 iterated 1 and 1000 times',
    run() {
      let k = fromHex('09'.padEnd(64, '0'));
      let u = k;
      for (let i = 1; i <= 1000; i++) {
        const r = x25519Shared(k, u);
        u = k;
        k = r;
        if (i === 1) assertEqual(toHex(k), X25519_ITERATED[1]);
      }
      assertEqual(toHex(k), X25519_ITERATED[1000]);
    },
  },
  {
    name: 'KAT X25519 RFC 7748 §6.1 Diffie-Hellman',
    run() {
      const v = X25519_DH;
      assertEqual(toHex(x25519PublicKey(fromHex(v.alicePrivate))), v.alicePublic);
      assertEqual(toHex(x25519PublicKey(fromHex(v.bobPrivate))), v.bobPublic);
      assertEqual(toHex(x25519Shared(fromHex(v.alicePrivate), fromHex(v.bobPublic))), v.shared);
      assertEqual(toHex(x25519Shared(fromHex(v.bobPrivate), fromHex(v.alicePublic))), v.shared);
    },
  },
  {
    name: 'X25519 refuses every low-order point (no all-zero shared secret)',
    run() {
      for (const u of X25519_LOW_ORDER) {
        assert(!isValidX25519Public(fromHex(u)), `accepted low-order ${u.slice(0, 8)}`);
        try {
          x25519Shared(fromHex(X25519_DH.alicePrivate), fromHex(u));
          throw new Error(`x25519 accepted low-order ${u.slice(0, 8)}`);
        } catch (e) {
          assert(isRangeError(e), `wrong error for ${u.slice(0, 8)}: ${String(e)}`);
        }
      }
    },
  },
  {
    name: 'KAT Ed25519 RFC 8032 tests 1-3 (sign, verify, reject altered)',
    run() {
      for (const v of ED25519) {
        const msg = fromHex(v.message);
        assertEqual(toHex(ed25519PublicKey(fromHex(v.secret))), v.public);
        assertEqual(toHex(ed25519Sign(fromHex(v.secret), msg)), v.signature);
        assert(ed25519Verify(fromHex(v.public), msg, fromHex(v.signature)), 'valid signature refused');
        assert(!ed25519Verify(fromHex(v.public), utf8('x'), fromHex(v.signature)), 'other message accepted');
        assert(!ed25519Verify(fromHex(v.public), msg, flip(fromHex(v.signature), 3)), 'altered signature accepted');
      }
    },
  },
  {
    name: 'KAT BLAKE3 official vectors (lengths 0, 1, 1023, 1024, 1025, 2048, 31744)',
    async run() {
      for (const [len, hex] of Object.entries(BLAKE3)) {
        const input = Uint8Array.from({ length: Number(len) }, (_, i) => i % 251);
        assertEqual(toHex(await blake3(input)), hex, `BLAKE3 length ${len}`);
      }
    },
  },
  {
    name: 'KAT AES-256-GCM McGrew-Viega test cases 13-16 (encrypt, decrypt, reject altered tag)',
    async run() {
      for (const v of AES_GCM) {
        const ct = await aesGcmEncrypt(fromHex(v.key), fromHex(v.iv), fromHex(v.pt), fromHex(v.aad));
        assertEqual(toHex(ct), v.ct + v.tag, `test case ${v.tc}`);
        const pt = await aesGcmDecrypt(fromHex(v.key), fromHex(v.iv), ct, fromHex(v.aad), 'kat');
        assertEqual(toHex(pt), v.pt);
        await assertRejects(() => aesGcmDecrypt(fromHex(v.key), fromHex(v.iv), flip(ct, ct.length * 8 - 1), fromHex(v.aad), 'kat'), isDecryptError);
      }
    },
  },
  {
    name: 'KAT HKDF-SHA-256 RFC 5869 test case 1',
    run() {
      const v = HKDF_1;
      assertEqual(toHex(hkdfSha256(fromHex(v.ikm), fromHex(v.info), v.length, fromHex(v.salt))), v.okm);
    },
  },
];
