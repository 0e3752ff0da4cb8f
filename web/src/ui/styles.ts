import { css } from 'lit';

/** Shared look: calm colours, big touch targets (parents use this on phones). */
export const shared = css`
  :host { font: 16px/1.4 system-ui, sans-serif; color: #1f2a27; }
  button, input, select { font: inherit; }
  button, a.button { border: 0; border-radius: 0.6rem; padding: 0.6rem 1rem; background: #2f5d50; color: #fff; cursor: pointer; min-height: 2.75rem; }
  a.button { display: inline-flex; align-items: center; box-sizing: border-box; text-decoration: none; }
  button.quiet { background: #e4ded3; color: #1f2a27; }
  button.danger { background: #9b2c2c; }
  button:disabled { opacity: 0.5; cursor: default; }
  input[type='text'], input[type='password'], textarea { width: 100%; box-sizing: border-box; padding: 0.6rem; border: 1px solid #b9b1a3; border-radius: 0.5rem; background: #fff; }
  label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
  .card { background: #fff; border-radius: 1rem; padding: 1rem 1.25rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.08); margin: 1rem 0; }
  .error { color: #9b2c2c; margin: 0.5rem 0; }
  .muted { color: #5b645f; font-size: 0.9rem; }
  .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
`;

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'DecryptError') return 'That passphrase (or recovery phrase) does not open this vault.';
    return e.message;
  }
  return String(e);
}
