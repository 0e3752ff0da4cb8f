/** grid-10k: bench/support/app-grid.ts over 10,000 photos, on the same real app path as grid-100k. */
import { appGrid } from './support/app-grid.ts';

await appGrid('grid-10k', 10_000);
