/**
 * Lets the main thread run what waits (input, rendering, other tasks) before going on:
 * `scheduler.yield()` where the browser has it (the continuation keeps its place ahead of other
 * tasks), else a new task. Long work split by it makes no long task.
 */
export function yieldToMain(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return s?.yield ? s.yield() : new Promise((r) => setTimeout(r, 0));
}
