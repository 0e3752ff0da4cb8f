/**
 * The viewer's info panel: what the sealed metadata says (date taken, camera, place, size), who
 * added the photo, and how many homes hold it. Place is the coordinates and, once the panel shows
 * them, a place name looked up on this device (place-name.ts, loaded then): no map tiles or place
 * names from third parties, so nothing about where a photo was taken leaves the device.
 */
import type { PhotoDetails } from '../../vault/screens/photo-actions.ts';
import { count } from '../common/count.ts';

/**
 * A row of the panel: label, value, and optionally more to add to the value that costs a
 * download (the place name), asked for only when the panel is open on that photo.
 */
export type InfoRow = [label: string, value: string, more?: () => Promise<string | undefined>];

/** The place name table is a lazily loaded chunk of its own (keeps it off the first screen). */
const placeName = async (lat: number, lon: number): Promise<string | undefined> => (await import('./place-name.ts')).placeName(lat, lon);

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The rows of the info panel, in words. */
export function photoInfo({ meta, homes, addedBy, albumName }: PhotoDetails): InfoRow[] {
  const rows: InfoRow[] = [];
  if (meta?.name) rows.push(['Name', meta.name]);
  const taken = Date.parse(meta?.takenAt ?? '');
  if (Number.isFinite(taken)) rows.push(['Taken', new Date(taken).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' })]);
  const exif = meta?.exif ?? {};
  const camera = [exif.make, exif.model].filter((x) => typeof x === 'string' && x).join(' ');
  if (camera) rows.push(['Camera', camera]);
  const lat = num(exif.latitude);
  const lon = num(exif.longitude);
  if (lat !== undefined && lon !== undefined) {
    rows.push(['Place', `${Math.abs(lat).toFixed(5)}° ${lat >= 0 ? 'N' : 'S'}, ${Math.abs(lon).toFixed(5)}° ${lon >= 0 ? 'E' : 'W'}`, () => placeName(lat, lon)]);
  }
  if (meta?.width && meta.height) rows.push(['Size', `${meta.width} × ${meta.height}${meta.size ? ` · ${formatBytes(meta.size)}` : ''}`]);
  else if (meta?.size) rows.push(['Size', formatBytes(meta.size)]);
  rows.push(['Album', albumName ?? '']);
  if (addedBy) rows.push(['Added by', addedBy]);
  rows.push(['Backed up', homes === 0 ? 'on no home yet: only on devices' : `on ${count(homes, 'home')}`]);
  return rows;
}
