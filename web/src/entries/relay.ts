/** Composition root of the relay page (no keys, no UI beyond status). Filled in by the relay issue. */
const statusEl = document.getElementById('relay-status');
if (statusEl) statusEl.textContent = 'Relay page loaded; waiting for the relay node to configure it.';
export {};
