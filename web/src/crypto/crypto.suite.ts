/**
 * The crypto acceptance suite as a plain list of cases, so the same cases run under vitest in
 * Node and in a real browser page (directly and through the comlink worker). No Node-only
 * imports anywhere under suite/.
 *
 *   import { makeCryptoSuite } from './crypto.suite.ts';
 *   for (const c of makeCryptoSuite(startCryptoWorker())) await c.run();
 */
import type { SuiteCase } from '../core/assert-suite.ts';
import { directApi } from './api.ts';
import type { CryptoApi } from './api-types.ts';
import { contentCases } from './suite/content.suite.ts';
import { frozenCases, frozenOpenCases } from './suite/frozen.suite.ts';
import { katCases } from './suite/kat.suite.ts';
import { keyCases } from './suite/keys.suite.ts';
import { streamCases } from './suite/stream.suite.ts';
import { tamperCases } from './suite/tamper.suite.ts';

export type { SuiteCase };

export interface CryptoSuiteOptions {
  /**
   * Include the cases that call primitives and deterministic cores in this thread (known-answer
   * and frozen vectors). Default true; a harness running the worker path after the in-page path
   * may turn them off to avoid running them twice.
   */
  includeInThread?: boolean;
}

export function makeCryptoSuite(api: CryptoApi, opts?: CryptoSuiteOptions): SuiteCase[] {
  const inThread = opts?.includeInThread ?? true;
  return [
    ...(inThread ? [...katCases, ...frozenCases] : []),
    ...frozenOpenCases(api),
    ...keyCases(api),
    ...contentCases(api),
    ...streamCases(api),
    ...tamperCases(api),
  ];
}

/** The suite against the in-thread implementation. */
export const cryptoSuite: SuiteCase[] = makeCryptoSuite(directApi);
