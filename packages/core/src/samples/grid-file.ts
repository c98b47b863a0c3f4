// Sample grids on disk: written atomically so a viewer (or a crash) never sees half a PNG.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { renderGrid, type GridImages, type GridOptions } from './grid.js';

/** Writes the PNG grid of `images` to `path` (parent dirs created), atomically. Returns the PNG bytes. */
export async function writeSampleGrid(path: string, images: GridImages | Uint8Array, options: GridOptions = {}): Promise<Uint8Array> {
  const png = images instanceof Uint8Array ? images : renderGrid(images, options);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, png);
  return png;
}
