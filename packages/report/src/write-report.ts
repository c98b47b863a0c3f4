// Writing <run>/report.html: rendered from the run directory and put in place atomically (a
// temporary file renamed over the old one), so a browser never reads half a page.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReport } from './html/page.js';
import { RunReader } from './read-run.js';
import type { RunView } from './run-view.js';

export const REPORT_FILE = 'report.html';

/**
 * Renders the run directory `dir` (or what `reader` reads: pass one RunReader to every refresh
 * of a growing run) into `<dir>/report.html`; resolves with its path and what it showed.
 */
export async function writeReport(dir: string, reader: RunReader = new RunReader(dir)): Promise<{ path: string; view: RunView }> {
  const view = await reader.read();
  const page = renderReport(view);
  const path = join(dir, REPORT_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, page);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path, view };
}
