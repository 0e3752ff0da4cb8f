/** grid-100k: bench/support/app-grid.ts over 100,000 photos (FV_GRID_PHOTOS to change; FV_GRID_DIR keeps the built profile). */
import { appGrid } from './support/app-grid.ts';

await appGrid('grid-100k', Number(process.env.FV_GRID_PHOTOS ?? 100_000));
