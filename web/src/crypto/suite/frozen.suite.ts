/**
 * Frozen vectors of our own envelopes. If any of these change, the stored format changed: every
 * vault already written would stop opening. Change them only together with a version bump.
 */
import { assertEqual, type SuiteCase } from '../../core/assert-suite.ts';
import { toHex } from '../../core/bytes.ts';
import type { CryptoApi } from '../api-types.ts';
import { blake3 } from '../primitives.ts';
import { buildFrozen, IN } from './frozen-inputs.ts';
import { join } from './util.ts';

const FROZEN = {
  publicIdentity:
    '010179b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496645869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b',
  fingerprint: 'c9858d19698457bfa0d1348ff5459eba84d07e01409a0a734a6bea3cb0457eb3',
  safetyWords: 'sister cluster edge spread earth thank local charge',
  vaultId: 'B0YW47WrZV3AcTdSqsXhTA',
  roomId: 'lLkXkcECs-411_KiOKmT2ScTxn8Ohh9F9bWVzgqFs8U',
  roomKey: '699e4afd0675aff0204e8c520de6db857ada5ebed4a3dd38c970e4eaa3b07ec2',
  handshakeKey: '19431d22fd7668fdd6208929021cdae03029845a3b32b995f5e2417229a1d2f8',
  dedupKey: 'df15131557dd32144a18654a196a14e7840f78e5c43fef319837d9df8ea3802c',
  join: 'xkNM0dk9iIgtEa2p_YccNSPN1v_nazG5tD1ipzPEzX0fKiYReNzlILBzyrsGmfQsjxLKBzV2dI_oI615SmypCQ',
  memberInvite:
    'fv.AQQDQEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f8mFjRlphFe_oNE0j_VFnrqE0H4BQJoKc0pr6jywRX6zEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi-BMPFr',
  relayInvite:
    'fv.AQQEQEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl_JhY0ZaYRXv6DRNI_1RZ66hNB-AUCaCnNKa-o8sEV-sxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v-YdGBQ',
  signal: 'AQMwMTIzNDU2Nzg5Oju991F9LlDVocvb8jBBxzctHZ12dbsCmZPB8mu2R7h8rw',
  albumSeal:
    '0105c0c1c2c3c4c5c6c7c8c9cacbcccdcecf000000036b3ee67463583cbe3dc08fe9d0765c2666ff5210dd527c9d8705e44927c80d55eb76199688a4ebe67de15bbfe8527258b484c69dc84ee0c9ba8882cdc4a4f88d2c3c2fc09b30cce92df10d3ea0e91b70',
  fileWrap:
    '010600000003303132333435363738393a3bfb6700dbdc735838816200d45f2ded5dcab4be4dfe1820b94deed12cc0b41f65e07527a5eb8c37f2a75282df754c3a70',
  /** BLAKE3 of the larger envelopes (their full hex would swamp this file). */
  objectBlake3: 'e7dbfa0e786108e049f1674c8811bc4852273c8609646c62cff7fd33a18088fa',
  chunkBlake3: [
    'dda30af990322964ba1169274f4ce61edcac39c5c393474a700074f628714241',
    '722bc155ce697f3ef65f804aa8561f2c18c4426dcd0df5d90f6ce48bdbd3ea4e',
  ],
  opBlake3: '9b5ddffec6d33b9019fb0ab417eae94fa18b1aa486328858f3620f749f09ed3b',
  bundleBlake3: 'cf35cbd96bda2d70f75ceed3ca0cc6a86b71c55ff4ecd037c86244d8b2df986b',
  recoveryPhrase:
    'radar mirror provide harvest fork forward title dance roof tourist hurry legend army thumb audit obvious short dinner crash night rubber group depth wing',
  manifest:
    '010ae0e1e2e3e4e5e6e7e8e9eaebecedeeef0000000000000005000000010000000000000000000000000000000000000000000000000000000000000000',
};

const h = async (b: Uint8Array): Promise<string> => toHex(await blake3(b));

export const frozenCases: SuiteCase[] = [
  {
    name: 'frozen: identity, fingerprint, safety words, vault subkeys, join signature, invites',
    async run() {
      const f = await buildFrozen();
      assertEqual(toHex(f.publicIdentity), FROZEN.publicIdentity);
      assertEqual(toHex(f.fingerprint), FROZEN.fingerprint);
      assertEqual(f.safetyWords.join(' '), FROZEN.safetyWords);
      assertEqual(
        [f.vault.vaultId, f.vault.roomId, toHex(f.vault.roomKey), toHex(f.vault.handshakeKey), toHex(f.dedupKey)],
        [FROZEN.vaultId, FROZEN.roomId, FROZEN.roomKey, FROZEN.handshakeKey, FROZEN.dedupKey],
      );
      assertEqual(f.join, FROZEN.join);
      assertEqual([f.memberInvite, f.relayInvite], [FROZEN.memberInvite, FROZEN.relayInvite]);
    },
  },
  {
    name: 'frozen: signal, sealed album key, wrapped file key, object, chunks, op, key bundle, manifest',
    async run() {
      const f = await buildFrozen();
      assertEqual(f.signal, FROZEN.signal);
      assertEqual(toHex(f.albumSeal), FROZEN.albumSeal);
      assertEqual(toHex(f.fileWrap), FROZEN.fileWrap);
      assertEqual(await h(f.object), FROZEN.objectBlake3);
      assertEqual(await Promise.all(f.chunks.map(h)), FROZEN.chunkBlake3);
      assertEqual(await h(f.op), FROZEN.opBlake3);
      assertEqual(await h(f.bundle.bundle), FROZEN.bundleBlake3);
      assertEqual(f.bundle.recoveryPhrase, FROZEN.recoveryPhrase);
      assertEqual(toHex(f.manifest), FROZEN.manifest);
    },
  },
];

/** The API (in-thread or worker) opens the frozen envelopes: same format on both sides. */
export function frozenOpenCases(api: CryptoApi): SuiteCase[] {
  return [
    {
      name: 'frozen envelopes open through the API',
      async run() {
        const f = await buildFrozen();
        const id = IN.identity;
        assertEqual(await api.openSignal(f.vault.roomKey, 'peer-0001', 'peer-0002', f.signal), IN.signalPlain);
        assertEqual((await api.openAlbumKey(id.boxSecret, f.albumSeal)).albumKey, IN.albumKey);
        assertEqual(await api.unwrapFileKey(IN.albumKey, IN.fileId, f.fileWrap), IN.fileKey);
        assertEqual(await api.openObject(IN.fileKey, 'metadata', f.object), IN.objectPlain);
        const plain: Uint8Array[] = [];
        for await (const p of api.decryptStream(IN.fileKey, IN.fileId, f.chunks)) plain.push(p);
        assertEqual(join(plain), IN.chunkData);
        assertEqual((await api.openOp(IN.albumKey, f.op, id.signPublic)).payload, IN.opPayload);
        assertEqual(await api.unlockWithPassphrase(f.bundle.bundle, IN.passphrase), id);
        assertEqual(await api.unlockWithRecovery(f.bundle.bundle, FROZEN.recoveryPhrase), id);
        assertEqual(await api.verifyJoin(f.vault.roomId, 'nonce-1', 'peer-0001', FROZEN.join), true);
        assertEqual((await api.parseInvite(FROZEN.memberInvite)).kind, 'member');
      },
    },
  ];
}
