/** The native-binary check: the JS fallback must be refused, not run slowly. */
import { describe, expect, it } from 'vitest';
import { isNativeUws, loadUws, UwsNotNativeError } from '../src/uws.ts';

describe('isNativeUws', () => {
  it('accepts the real module loaded here', () => {
    expect(() => loadUws()).not.toThrow();
  });

  it('accepts a module whose functions are native', () => {
    // Bound functions stringify as native code: a stand-in for the addon's functions.
    const native = (() => 0).bind(null);
    expect(isNativeUws({ App: native, us_socket_local_port: native })).toBe(true);
  });

  it('refuses the JavaScript fallback', () => {
    function App() {
      return {};
    }
    expect(isNativeUws({ App, us_socket_local_port: () => 1 })).toBe(false);
    expect(isNativeUws({ App: Math.max, us_socket_local_port: () => 1 })).toBe(false);
  });

  it('refuses missing or odd modules', () => {
    expect(isNativeUws(undefined)).toBe(false);
    expect(isNativeUws(null)).toBe(false);
    expect(isNativeUws({})).toBe(false);
    expect(isNativeUws({ App: '[native code]', us_socket_local_port: Math.max })).toBe(false);
    const sneaky = Object.assign(() => 0, { toString: () => 'function App() { [native code] }' });
    expect(isNativeUws({ App: sneaky, us_socket_local_port: Math.max })).toBe(false);
  });

  it('loadUws throws a clear error for a fallback or a failed load', () => {
    expect(() => loadUws(() => ({ App: () => ({}), us_socket_local_port: () => 0 }))).toThrow(UwsNotNativeError);
    expect(() => loadUws(() => ({ App: () => ({}), us_socket_local_port: () => 0 }))).toThrow(/fallback instead of the native binary/);
    expect(() => loadUws(() => {
      throw new Error('boom');
    })).toThrow(/failed to load: boom/);
  });
});
