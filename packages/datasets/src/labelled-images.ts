/**
 * Labelled 8-bit images, row-major NHWC: what this package hands to @dgm/core, which wraps them in
 * an ImageSet and splits them (the split rule is core's, so it stays one rule for every source).
 */
export interface LabelledImages {
  /** count * h * w * c bytes; the value k stands for k/255. */
  pixels: Uint8Array;
  /** One class per image, 0..classes-1. */
  labels: Uint8Array;
  /** [height, width, channels] of every image. */
  imageShape: [number, number, number];
  /** Number of classes. */
  classes: number;
}

/** Images of `parts[c]` (whole rows of `rowLength` bytes) labelled c, concatenated in class order. */
export function concatByClass(parts: Uint8Array[], rowLength: number): { pixels: Uint8Array; labels: Uint8Array } {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pixels = new Uint8Array(total);
  const labels = new Uint8Array(total / rowLength);
  let at = 0;
  parts.forEach((p, c) => {
    pixels.set(p, at);
    labels.fill(c, at / rowLength, (at + p.length) / rowLength);
    at += p.length;
  });
  return { pixels, labels };
}
