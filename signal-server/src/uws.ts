/**
 * Loads uWebSockets.js and insists on the native binary.
 *
 * The package (an npm alias of @trufflesuite/uws-js-unofficial) prints a warning and silently
 * falls back to a pure-JS shim built on `ws` when its binary does not match the Node ABI
 * (or when UWS_USE_FALLBACK is set). The shim is slower than plain `ws` and lacks parts of the
 * API we rely on, so running on it would be a silent regression: refuse instead.
 */
import { createRequire } from 'node:module';
import type * as UwsModule from 'uWebSockets.js';

export type Uws = typeof UwsModule;

/** The subset of the module the detection looks at, so tests can pass a fake. */
export interface UwsLike {
  App?: unknown;
  us_socket_local_port?: unknown;
}

/**
 * True when `mod` is the native addon. Native functions stringify as `function App() { [native code] }`;
 * the fallback's `App` is ordinary JavaScript. `us_socket_local_port` is checked too because
 * a fallback that wrapped a native function would otherwise pass.
 */
export function isNativeUws(mod: UwsLike | null | undefined): boolean {
  if (!mod || typeof mod.App !== 'function' || typeof mod.us_socket_local_port !== 'function') return false;
  const isNative = (f: unknown) => typeof f === 'function' && Function.prototype.toString.call(f).includes('[native code]');
  return isNative(mod.App) && isNative(mod.us_socket_local_port);
}

export class UwsNotNativeError extends Error {
  override readonly name = 'UwsNotNativeError';
}

/** Loads the module; throws UwsNotNativeError (with what to do) if only the JS fallback loaded. */
export function loadUws(load: () => unknown = defaultLoad): Uws {
  let mod: unknown;
  try {
    mod = load();
  } catch (e) {
    throw new UwsNotNativeError(`uWebSockets.js failed to load: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isNativeUws(mod as UwsLike)) {
    const why = process.env.UWS_USE_FALLBACK
      ? 'because UWS_USE_FALLBACK is set: unset it'
      : `probably because Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}) ` +
        'is not covered by its binaries (Node 16/18/20 on common platforms): run the signal server on Node 20';
    throw new UwsNotNativeError(`uWebSockets.js loaded its slow JavaScript fallback instead of the native binary, ${why}.`);
  }
  return mod as Uws;
}

function defaultLoad(): unknown {
  return createRequire(import.meta.url)('uWebSockets.js');
}
