/**
 * Photos' originals as one zip, each under its own name. Where a service worker controls the
 * page, the zip is streamed to the browser's download (`client-zip`, with its exact length known
 * ahead from the originals' sizes, so the download shows its progress): each original is
 * decrypted 1 MiB at a time as the download reads, so a selection of many videos never sits in
 * memory. Without one, it is built into a Blob first (the old way, bounded by memory).
 */
import { downloadZip, makeZip, predictLength } from 'client-zip';
import { CHUNK_SIZE } from '../../crypto/chunk-size.ts';
import type { PhotoId } from '../../core/ids.ts';
import { canStream, registerStream, saveStream, sequentialFile, type RandomAccessFile } from './media-stream.ts';

export interface ZipSource {
  randomAccess(album: string, photo: PhotoId): Promise<RandomAccessFile>;
  original(album: string, photo: PhotoId): Promise<File>;
}

export interface ZipItem { album: string; photo: PhotoId; taken: number }

/** A second "IMG_1.jpg" becomes "IMG_1 (2).jpg": names in a zip must differ. */
export function uniqueNames(): (name: string) => string {
  const used = new Map<string, number>();
  return (name) => {
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    if (n === 1) return name;
    const dot = name.lastIndexOf('.');
    return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
  };
}

/** The plaintext of an original, chunk by chunk, as its reader pulls. */
function originalStream(f: RandomAccessFile): ReadableStream<Uint8Array> {
  let i = 0;
  const chunks = Math.ceil(f.size / CHUNK_SIZE);
  return new ReadableStream<Uint8Array>({
    pull: async (c) => {
      if (i >= chunks) return c.close();
      c.enqueue(await f.chunk(i++));
      if (i >= chunks) c.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * Starts the zip's download under `zipName`. `progress(i, n, phase)`: 'reading' while names and
 * sizes are read, 'zipping' as the download takes the i-th photo. Resolves once the download
 * started (streamed) or the Blob was handed to the browser.
 */
export async function downloadPhotosZip(s: ZipSource, items: ZipItem[], zipName: string, progress: (i: number, n: number, phase: 'reading' | 'zipping') => void): Promise<'streamed' | 'blob'> {
  const unique = uniqueNames();
  if (!canStream()) {
    async function* files() {
      for (let i = 0; i < items.length; i++) {
        progress(i, items.length, 'zipping');
        const f = await s.original(items[i]!.album, items[i]!.photo);
        yield { name: unique(f.name || 'photo'), lastModified: new Date(items[i]!.taken || Date.now()), input: f };
      }
    }
    saveBlob(URL.createObjectURL(await downloadZip(files()).blob()), zipName);
    return 'blob';
  }
  const entries: Array<{ file: RandomAccessFile; name: string; lastModified: Date }> = [];
  for (let i = 0; i < items.length; i++) {
    progress(i, items.length, 'reading');
    const file = await s.randomAccess(items[i]!.album, items[i]!.photo);
    entries.push({ file, name: unique(file.name || 'photo'), lastModified: new Date(items[i]!.taken || Date.now()) });
  }
  const size = Number(predictLength(entries.map((e) => ({ name: e.name, size: e.file.size, lastModified: e.lastModified }))));
  async function* files() {
    for (const [i, e] of entries.entries()) {
      progress(i, entries.length, 'zipping');
      yield { name: e.name, lastModified: e.lastModified, size: e.file.size, input: originalStream(e.file) };
    }
  }
  let release = () => {};
  const zip = sequentialFile(zipName, 'application/zip', size, makeZip(files()), () => release());
  const stream = registerStream(zip);
  release = stream.release;
  saveStream(`${stream.url}?download`);
  return 'streamed';
}

function saveBlob(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
