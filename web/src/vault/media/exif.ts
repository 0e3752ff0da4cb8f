/**
 * Reads what a family wants to keep about a photo (date taken, place, camera, orientation)
 * with exifr. The result is encrypted with the photo's metadata; nothing here leaves the device
 * in the clear.
 */
import exifr from 'exifr';

export interface PhotoExif {
  takenAt?: string;           // ISO 8601
  latitude?: number;
  longitude?: number;
  make?: string;
  model?: string;
  orientation?: number;       // EXIF 1..8
  width?: number;
  height?: number;
  description?: string;
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x.trim() ? x.trim().slice(0, 200) : undefined;
}
function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** Returns {} for files without EXIF or that exifr cannot read (the photo is still ingested). */
export async function readExif(blob: Blob): Promise<PhotoExif> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (await exifr.parse(blob, { tiff: true, exif: true, gps: true, ifd1: false, translateValues: false })) as
      Record<string, unknown> | undefined;
  } catch (e) {
    // Unknown or damaged EXIF is common (screenshots, edited files): keep the photo, drop the tags.
    console.debug('exif: unreadable, ignored', e);
    return {};
  }
  if (!raw) return {};
  const taken = raw.DateTimeOriginal ?? raw.CreateDate ?? raw.ModifyDate;
  const out: PhotoExif = {
    takenAt: taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString() : undefined,
    latitude: num(raw.latitude),
    longitude: num(raw.longitude),
    make: str(raw.Make),
    model: str(raw.Model),
    orientation: num(raw.Orientation),
    width: num(raw.ExifImageWidth) ?? num(raw.ImageWidth),
    height: num(raw.ExifImageHeight) ?? num(raw.ImageHeight),
    description: str(raw.ImageDescription),
  };
  for (const k of Object.keys(out) as Array<keyof PhotoExif>) if (out[k] === undefined) delete out[k];
  return out;
}
