/** Runs framework-agnostic suite cases in the page and returns plain results for the spec. */
import type { SuiteCase } from '../../web/src/core/assert-suite.ts';

export interface CaseResult { name: string; ok: boolean; ms: number; error?: string }

export async function runCases(cases: SuiteCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    try {
      await c.run();
      results.push({ name: c.name, ok: true, ms: Math.round(performance.now() - t0) });
    } catch (e) {
      results.push({ name: c.name, ok: false, ms: Math.round(performance.now() - t0), error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  return results;
}
