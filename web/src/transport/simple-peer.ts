/** The one place that loads simple-peer, after the Node shims it needs. */
import './node-shims.ts';
import SimplePeer from 'simple-peer';

export type { Instance as SimplePeerInstance, Options as SimplePeerOptions, SignalData } from 'simple-peer';
export { SimplePeer };
