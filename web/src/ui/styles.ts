import { css } from 'lit';

/**
 * Shared look: calm colours, big touch targets (parents use this on phones). Colours are custom
 * properties so dark mode (prefers-color-scheme) is one block; they inherit into every shadow
 * root. Sizes are in rem so the browser's text size setting (200 % and more) scales them.
 * With reduced motion nothing animates (WCAG 2.3.3).
 */
export const shared = css`
  :host {
    --fv-bg: #f6f3ee; --fv-fg: #1f2a27; --fv-surface: #fff; --fv-muted: #555e59; --fv-border: #8c8578;
    --fv-accent: #2f5d50; --fv-on-accent: #fff; --fv-quiet: #e4ded3; --fv-on-quiet: #1f2a27;
    --fv-danger: #9b2c2c; --fv-error: #9b2c2c; --fv-cell: #e4ded3; --fv-code: #f1ede6; --fv-focus: #2f5d50;
    font: 1rem/1.4 system-ui, sans-serif; color: var(--fv-fg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --fv-bg: #141917; --fv-fg: #e8ece9; --fv-surface: #1f2624; --fv-muted: #b3bdb8; --fv-border: #7d8a84;
      --fv-accent: #2f5d50; --fv-on-accent: #fff; --fv-quiet: #34403b; --fv-on-quiet: #e8ece9;
      --fv-danger: #a33434; --fv-error: #ffa3a3; --fv-cell: #26302c; --fv-code: #26302c; --fv-focus: #9fd3bf;
    }
  }
  button, input, select, textarea { font: inherit; }
  button, a.button { border: 0; border-radius: 0.6rem; padding: 0.6rem 1rem; background: var(--fv-accent); color: var(--fv-on-accent); cursor: pointer; min-height: 2.75rem; }
  a.button { display: inline-flex; align-items: center; box-sizing: border-box; text-decoration: none; }
  button.quiet { background: var(--fv-quiet); color: var(--fv-on-quiet); }
  button.danger { background: var(--fv-danger); color: #fff; }
  button:disabled { opacity: 0.5; cursor: default; }
  :focus-visible { outline: 3px solid var(--fv-focus); outline-offset: 2px; }
  input[type='text'], input[type='password'], textarea, select { max-width: 100%; box-sizing: border-box; padding: 0.6rem; border: 1px solid var(--fv-border); border-radius: 0.5rem; background: var(--fv-surface); color: var(--fv-fg); }
  input[type='text'], input[type='password'], textarea { width: 100%; }
  label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
  h2, h3, p, li, dd, code { overflow-wrap: anywhere; }
  .card { background: var(--fv-surface); border-radius: 1rem; padding: 1rem 1.25rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.08); margin: 1rem 0; }
  .error { color: var(--fv-error); margin: 0.5rem 0; }
  .muted { color: var(--fv-muted); font-size: 0.9rem; }
  .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
  @media (prefers-reduced-motion: reduce) { *, ::before, ::after { transition: none !important; animation: none !important; } }
`;

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'DecryptError') return 'That passphrase (or recovery phrase) does not open this vault.';
    return e.message;
  }
  return String(e);
}
