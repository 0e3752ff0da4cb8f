/**
 * The crypto suite in real Chromium: once in the page (WebCrypto, hash-wasm, noble as the app
 * loads them) and once through the comlink worker the app uses. Also hosts the crypto-ingest
 * benchmark. Driven by e2e/crypto.spec.ts and bench/crypto-ingest.ts via window.fvCrypto.
 */
import { directApi } from '../../web/src/crypto/api.ts';
import { sealingHelperCount, startCryptoWorker } from '../../web/src/crypto/client.ts';
import { makeCryptoSuite } from '../../web/src/crypto/crypto.suite.ts';
import { runCryptoIngestBench } from '../../web/src/crypto/bench.ts';
import { runCases } from './run-cases.ts';

async function inPage() {
  return runCases(makeCryptoSuite(directApi));
}

async function viaWorker() {
  const client = startCryptoWorker();
  try {
    return await runCases(makeCryptoSuite(client, { includeInThread: false }));
  } finally {
    client.close();
  }
}

async function bench(mib: number, where: 'worker' | 'page' = 'worker') {
  if (where === 'page') return runCryptoIngestBench({ mib });
  const client = startCryptoWorker();
  try {
    return await runCryptoIngestBench({ mib, api: client, workers: 1 + sealingHelperCount() });
  } finally {
    client.close();
  }
}

Object.assign(window, { fvCrypto: { inPage, viaWorker, bench } });
