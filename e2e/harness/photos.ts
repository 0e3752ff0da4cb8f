/** Generated test photos: JPEGs drawn on an OffscreenCanvas (noise keeps them from compressing away). */

export async function makeJpeg(i: number, width = 1024, height = 768, quality = 0.85): Promise<File> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  const g = ctx.createLinearGradient(0, 0, width, height);
  g.addColorStop(0, `hsl(${(i * 47) % 360} 70% 50%)`);
  g.addColorStop(1, `hsl(${(i * 91 + 120) % 360} 70% 40%)`);
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, width, height);
  const img = ctx.getImageData(0, 0, width, height);
  let x = (i + 1) * 2654435761;
  for (let p = 0; p < img.data.length; p += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    img.data[p] = (img.data[p]! + (x & 31)) & 255;
  }
  ctx.putImageData(img, 0, 0);
  ctx.fillStyle = 'white';
  ctx.font = `${Math.round(height / 8)}px sans-serif`;
  ctx.fillText(`photo ${i}`, width / 10, height / 2);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return new File([blob], `IMG_${String(i).padStart(4, '0')}.jpg`, { type: 'image/jpeg', lastModified: Date.UTC(2024, 6, 1) + i * 60_000 });
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}
