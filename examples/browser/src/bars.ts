// Training images made in the page (it has no dataset files): 28x28 binary images, each with one
// horizontal or vertical bar 3 pixels wide at a random place. Simple enough that a small VAE's
// loss falls clearly within a few dozen steps, structured enough that it has to learn something.
const SIDE = 28;
const BAR = 3;

/** A small deterministic generator (mulberry32), so every page load trains on the same images. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` bar images as one flat [count, 28, 28, 1] array of 0s and 1s. */
export function barImages(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const pixels = new Float32Array(count * SIDE * SIDE);
  for (let i = 0; i < count; i++) {
    const vertical = random() < 0.5;
    const at = Math.floor(random() * (SIDE - BAR + 1));
    for (let k = 0; k < BAR; k++) {
      for (let j = 0; j < SIDE; j++) {
        const [y, x] = vertical ? [j, at + k] : [at + k, j];
        pixels[i * SIDE * SIDE + y * SIDE + x] = 1;
      }
    }
  }
  return pixels;
}

export const BAR_IMAGE_SHAPE: [number, number, number] = [SIDE, SIDE, 1];
