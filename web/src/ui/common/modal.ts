/** What the app's own modal dialogs share: where focus was, and keeping Tab inside. */

/** The element that has focus, inside whatever shadow roots hold it (document.activeElement is only the outermost host). */
export function deepActiveElement(): HTMLElement | undefined {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement && el !== document.body ? el : undefined;
}

/** Tab and Shift+Tab cycle among the controls `selector` finds in `root` (focus stays in the modal). */
export function trapTab(e: KeyboardEvent, root: ShadowRoot, selector = 'input, button'): void {
  const f = [...root.querySelectorAll<HTMLElement>(selector)];
  const i = f.indexOf(root.activeElement as HTMLElement);
  e.preventDefault();
  f[e.shiftKey ? (i <= 0 ? f.length - 1 : i - 1) : (i + 1) % f.length]?.focus();
}
