/** Composition root of the relay page (no keys, no UI beyond status). Filled in by the relay issue. */
const status = document.getElementById('relay-status');
if (status) status.textContent = 'Relay page loaded; waiting for the relay node to configure it.';
