/**
 * What Chromium's fake capture device films: a Y4M file (one 4:2:0 frame, looped by Chromium).
 * Launch Chromium with --use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE.
 */
import { writeFile } from 'node:fs/promises';
import type { Locator } from '@playwright/test';

/**
 * The picture of an `<img>` on a page, as a camera held up to it would film it: on white, square,
 * `side` px, the image across half the frame (scanners read the middle two thirds of the picture).
 */
export async function filmImage(img: Locator, path: string, side = 640): Promise<string> {
  const luma = await img.evaluate((el: HTMLImageElement, n) => {
    const c = new OffscreenCanvas(n, n);
    const g = c.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, n, n);
    g.imageSmoothingEnabled = false;
    g.drawImage(el, n * 0.25, n * 0.25, n * 0.5, n * 0.5);
    const px = g.getImageData(0, 0, n, n).data;
    const out: number[] = [];
    for (let i = 0; i < px.length; i += 4) out.push(Math.round(16 + (219 * (0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!)) / 255));
    return out;
  }, side);
  const header = Buffer.from(`YUV4MPEG2 W${side} H${side} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  await writeFile(path, Buffer.concat([header, Uint8Array.from(luma), new Uint8Array((side / 2) * (side / 2) * 2).fill(128)]));
  return path;
}
