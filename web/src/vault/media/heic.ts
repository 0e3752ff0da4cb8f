/**
 * HEIC/HEIF decoding with libheif (WebAssembly, loaded only when a HEIC file arrives: it is
 * about 2 MB). Chromium and Firefox cannot decode HEIC themselves; iPhones make it by default.
 */

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avci']);

/** True when the bytes start with an ISO-BMFF `ftyp` box of a HEIF brand. */
export async function isHeif(blob: Blob): Promise<boolean> {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  if (head.length < 12) return false;
  const box = String.fromCharCode(...head.subarray(4, 8));
  const brand = String.fromCharCode(...head.subarray(8, 12));
  return box === 'ftyp' && HEIF_BRANDS.has(brand);
}

interface HeifImage {
  get_width(): number;
  get_height(): number;
  display(target: { data: Uint8ClampedArray; width: number; height: number }, cb: (d: unknown) => void): void;
}
interface LibHeif { HeifDecoder: new () => { decode(data: Uint8Array): HeifImage[] } }

let lib: Promise<LibHeif> | undefined;

/** Decodes the primary image to RGBA ImageData. */
export async function decodeHeif(blob: Blob): Promise<ImageData> {
  lib ??= import('libheif-js/libheif-wasm/libheif-bundle.mjs').then((m) => (m.default as () => LibHeif)());
  const heif = await lib;
  const images = new heif.HeifDecoder().decode(new Uint8Array(await blob.arrayBuffer()));
  const image = images[0];
  if (!image) throw new Error('HEIC file has no image');
  const width = image.get_width();
  const height = image.get_height();
  const data = new Uint8ClampedArray(width * height * 4);
  await new Promise<void>((resolve, reject) => {
    image.display({ data, width, height }, (out) => (out ? resolve() : reject(new Error('HEIC decoding failed'))));
  });
  return new ImageData(data, width, height);
}
