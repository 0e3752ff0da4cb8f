// Draws the app icons (a vault door: a ring and a handle on green) as PNGs into public/icons.
// Run once when the design changes: node scripts/make-icons.mjs. The PNGs are committed.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const GREEN = [47, 93, 80, 255];
const CREAM = [246, 243, 238, 255];
const CLEAR = [0, 0, 0, 0];

// scale < 1 keeps the drawing inside the maskable safe zone (a centred circle of 80 %).
function door(scale, fullBleed) {
  return (u, v) => {
    const x = (u - 0.5) / scale, y = (v - 0.5) / scale;
    const r = Math.hypot(x, y);
    const inTile = fullBleed || (Math.abs(u - 0.5) < 0.46 && Math.abs(v - 0.5) < 0.46 &&
      Math.hypot(Math.max(Math.abs(u - 0.5) - 0.34, 0), Math.max(Math.abs(v - 0.5) - 0.34, 0)) < 0.12);
    if (!inTile) return CLEAR;
    if (r > 0.27 && r < 0.34) return CREAM;                     // the ring
    if (r < 0.07) return CREAM;                                  // the hub
    const spoke = [0, Math.PI / 2, Math.PI, -Math.PI / 2].some((a) => {
      const px = Math.cos(a), py = Math.sin(a);
      const along = x * px + y * py, across = Math.abs(-x * py + y * px);
      return along > 0 && along < 0.22 && across < 0.025;
    });
    return spoke ? CREAM : GREEN;
  };
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', png(192, door(1, false)));
writeFileSync('public/icons/icon-512.png', png(512, door(1, false)));
writeFileSync('public/icons/maskable-512.png', png(512, door(0.75, true)));
writeFileSync('public/icons/apple-touch-icon.png', png(180, door(0.85, true)));
writeFileSync('public/favicon.png', png(64, door(1, false)));
console.log('icons written to public/icons');
