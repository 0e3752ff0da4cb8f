/** Worker side of the media client: no logic here, only the exposed functions. */
import { expose } from 'comlink';
import { makeImageThumbnail } from './thumbnail.ts';
import { readExif } from './exif.ts';

export const mediaApi = { makeImageThumbnail, readExif };
export type MediaApi = typeof mediaApi;
expose(mediaApi);
