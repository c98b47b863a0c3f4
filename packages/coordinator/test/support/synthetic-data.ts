// Small deterministic image sets written as .npy files (uint8, (N, H, W)): real files through
// core's real loader, with no download and no bundled-data parsing cost.
import { writeFileSync } from 'node:fs';

/** Writes N images of h×w pixels: smooth blobs whose position depends on the index (so a GAN has something to learn). */
export function writeNpyImages(path: string, n: number, h: number, w: number): void {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${h}, ${w}), }`;
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  const text = `${header}${' '.repeat(pad)}\n`;
  const out = Buffer.alloc(10 + text.length + n * h * w);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  let at = 10 + text.length;
  for (let i = 0; i < n; i++) {
    const cy = (i * 7) % h;
    const cx = (i * 3) % w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d2 = (y - cy) ** 2 + (x - cx) ** 2;
        out[at++] = Math.round(255 * Math.exp(-d2 / (0.05 * h * w)));
      }
    }
  }
  writeFileSync(path, out);
}
