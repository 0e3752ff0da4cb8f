/** Known-answer tests of the primitives (run in whatever JS environment runs the suite). */
import { assert, assertEqual, assertRejects, isRangeError, type SuiteCase } from '../../core/assert-suite.ts';
import { concatBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { isDecryptError } from '../../core/errors.ts';
import {
  aesGcmDecrypt, aesGcmEncrypt, blake3, ed25519PublicKey, ed25519Sign, ed25519Verify, ed25519VerifyFast, hkdfSha256,
  isValidX25519Public, randomBytes, x25519PublicKey, x25519Shared,
} from '../primitives.ts';
import { flip } from './util.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const ED_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const littleEndianInt = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
/** n as `length` little-endian bytes, or undefined if it does not fit. */
function littleEndianBytes(n: bigint, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return n === 0n ? out : undefined;
}
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
    name: 'Ed25519 native verification answers exactly as noble strict does (RFC 8032 vectors, random, non-canonical, mixed-order keys)',
    async run() {
      const same = async (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, what: string) => {
        const fast = await ed25519VerifyFast(pub, msg, sig);
        assertEqual(fast, ed25519Verify(pub, msg, sig), `${what}: native and noble differ`);
        return fast;
      };
      for (const v of ED25519) {
        const [pub, msg, sig] = [fromHex(v.public), fromHex(v.message), fromHex(v.signature)];
        assert(await same(pub, msg, sig, 'RFC 8032 vector'), 'valid signature refused');
        assert(!(await same(pub, utf8('x'), sig, 'other message')), 'other message accepted');
        for (const bit of [3, 250, 300, 511]) assert(!(await same(pub, msg, flip(sig, bit), `bit ${bit}`)), `bit ${bit} flipped accepted`);
      }
      for (let i = 0; i < 24; i++) {
        const seed = randomBytes(32);
        const msg = randomBytes(i * 37);
        const sig = ed25519Sign(seed, msg);
        assert(await same(ed25519PublicKey(seed), msg, sig, 'random'), 'random valid signature refused');
      }
      // S + L encodes the same scalar mod L: strict verifiers must refuse it.
      const seed = randomBytes(32);
      const pub = ed25519PublicKey(seed);
      const msg = utf8('non-canonical');
      const sig = ed25519Sign(seed, msg);
      const big = littleEndianBytes(littleEndianInt(sig.subarray(32)) + ED_L, 32);
      if (big) assert(!(await same(pub, msg, concatBytes(sig.subarray(0, 32), big), 'S + L')), 'S + L accepted');
      // x = 0 with the sign bit set (y = 1): no strict decoder takes it.
      const negZero = new Uint8Array(32);
      negZero[0] = 1;
      negZero[31] = 0x80;
      assert(!(await same(negZero, msg, sig, '-0 key')), 'non-canonical key accepted');
      // A key with a small-order component (A + T, T of order 8), signed by its owner: the
      // cofactored check (noble) takes such signatures, a cofactorless one (BoringSSL, OpenSSL)
      // refuses 7 in 8. The fast path falls back to noble, so every engine answers alike.
      const ext = ed25519.utils.getExtendedPublicKey(seed);
      const torsion = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
      const mixed = ext.point.add(torsion).toBytes();
      for (let i = 0; i < 8; i++) {
        const m = utf8(`mixed ${i}`);
        const r = littleEndianInt(randomBytes(64)) % ED_L;
        const R = ed25519.Point.BASE.multiply(r).toBytes();
        const k = littleEndianInt(sha512(concatBytes(R, mixed, m))) % ED_L;
        const S = littleEndianBytes((r + k * ext.scalar) % ED_L, 32)!;
        assert(await same(mixed, m, concatBytes(R, S), `mixed-order key ${i}`), 'a signature noble accepts was refused');
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
