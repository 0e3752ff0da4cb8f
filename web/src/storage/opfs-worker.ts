/**
 * The OPFS worker: exposes OpfsFiles over comlink and holds no logic of its own.
 * Started by backend-opfs.ts.
 */
import { expose } from 'comlink';
import { OpfsFiles } from './opfs-files.ts';

expose(new OpfsFiles());
