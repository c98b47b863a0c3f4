// Files the end-to-end tests write and read themselves: small uint8 .npy image sets whose images
// say which row they came from, and the pixels of a grayscale PNG (the run's sample grid). Written
// here with node:zlib so the tests read the run's outputs without the code that wrote them.
import { writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** Writes a uint8 (N, H, W) .npy file; `value(i)` is the (flat) gray level of image i. */
export function writeFlatImages(path: string, n: number, h: number, w: number, value: (i: number) => number): void {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${h}, ${w}), }`;
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  const text = `${header}${' '.repeat(pad)}\n`;
  const out = Buffer.alloc(10 + text.length + n * h * w);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  for (let i = 0; i < n; i++) out.fill(value(i), 10 + text.length + i * h * w, 10 + text.length + (i + 1) * h * w);
  writeFileSync(path, out);
}

/** Width, height and the gray level of every pixel of an 8-bit grayscale, non-interlaced PNG. */
export function readGrayPng(bytes: Buffer): { width: number; height: number; at(x: number, y: number): number } {
  if (bytes.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[12] !== 0) throw new Error('only 8-bit grayscale, non-interlaced PNGs are read here');
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const left = x > 0 ? pixels[y * width + x - 1] : 0;
      const up = y > 0 ? pixels[(y - 1) * width + x] : 0;
      const upLeft = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, filter === 4 ? paeth() : 0][filter];
      if (predictor === undefined) throw new Error(`unknown PNG filter ${filter}`);
      pixels[y * width + x] = (v + predictor) & 0xff;
    }
  }
  return { width, height, at: (x, y) => pixels[y * width + x] };
}
