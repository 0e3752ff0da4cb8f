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

/**
 * Names for a zip's entries: a second "IMG_1.jpg" becomes "IMG_1 (2).jpg" (or the next number no
 * entry has, a photo may be called "IMG_1 (2).jpg" itself), compared without case as Windows and
 * macOS do; a slash or backslash in a name someone gave a photo would make a folder: a dash.
 */
export function uniqueNames(): (name: string) => string {
  const used = new Set<string>();
  return (given) => {
    const name = given.replace(/[/\\]/g, '-') || 'photo';
    const dot = name.lastIndexOf('.');
    let out = name;
    for (let n = 2; used.has(out.toLowerCase()); n++) out = dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
    used.add(out.toLowerCase());
    return out;
  };
}

/** A zip's dates start in 1980: an earlier date taken (or none) is written as 1 January 1980. */
const zipDate = (taken: number) => new Date(Math.max(taken || Date.now(), Date.UTC(1980, 0, 1, 12)));

/** The plaintext of an original, chunk by chunk, as its reader pulls. */
function originalStream(f: RandomAccessFile, mine: WeakSet<Uint8Array>): ReadableStream<Uint8Array> {
  let i = 0;
  const chunks = Math.ceil(f.size / CHUNK_SIZE);
  return new ReadableStream<Uint8Array>({
    pull: async (c) => {
      if (i >= chunks) return c.close();
      const chunk = await f.chunk(i++);
      mine.add(chunk);
      c.enqueue(chunk);
      if (i >= chunks) c.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * Starts the zip's download under `zipName`. `progress(i, n, phase)`: 'reading' while names and
 * sizes are read, 'zipping' while a zip made in memory takes the i-th photo. Resolves once the
 * download started (streamed: the browser's download shows its progress from there, and ends
 * it if it fails) or the Blob was handed to the browser.
 */
export async function downloadPhotosZip(s: ZipSource, items: ZipItem[], zipName: string, progress: (i: number, n: number, phase: 'reading' | 'zipping') => void): Promise<'streamed' | 'blob'> {
  const unique = uniqueNames();
  if (!canStream()) {
    async function* files() {
      for (let i = 0; i < items.length; i++) {
        progress(i, items.length, 'zipping');
        const f = await s.original(items[i]!.album, items[i]!.photo);
        yield { name: unique(f.name || 'photo'), lastModified: zipDate(items[i]!.taken), input: f };
      }
    }
    saveBlob(URL.createObjectURL(await downloadZip(files()).blob()), zipName);
    return 'blob';
  }
  const entries: Array<{ file: RandomAccessFile; name: string; lastModified: Date }> = [];
  for (let i = 0; i < items.length; i++) {
    progress(i, items.length, 'reading');
    const file = await s.randomAccess(items[i]!.album, items[i]!.photo);
    entries.push({ file, name: unique(file.name || 'photo'), lastModified: zipDate(items[i]!.taken) });
  }
  let release = () => {};
  const zip = zipFile(zipName, entries, () => release());
  const stream = registerStream(zip);
  release = stream.release;
  saveStream(`${stream.url}?download`);
  return 'streamed';
}

/** The zip of `entries` as a file read once from its start, of the exact length client-zip will write. */
export function zipFile(zipName: string, entries: Array<{ file: RandomAccessFile; name: string; lastModified: Date }>, onEnd: () => void): RandomAccessFile {
  const size = Number(predictLength(entries.map((e) => ({ name: e.name, size: e.file.size, lastModified: e.lastModified }))));
  // The originals' chunks pass through client-zip unchanged and are not read again: freed once
  // copied. Its own records (headers, the central directory) it reads after yielding them.
  const mine = new WeakSet<Uint8Array>();
  async function* files() {
    for (const e of entries) yield { name: e.name, lastModified: e.lastModified, size: e.file.size, input: originalStream(e.file, mine) };
  }
  return sequentialFile(zipName, 'application/zip', size, makeZip(files()), { onEnd, disposable: (p) => mine.has(p) });
}

function saveBlob(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
