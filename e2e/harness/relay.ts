/** The real relay page's composition root (window.fvRelay), served with the harness pages. */
import '../../web/src/entries/relay.ts';
