// JSON-lines files as a live run leaves them: a line may be damaged (a crash, a disk full, an
// edit) and the last one may still be being written. Neither stops a reader: good lines are
// kept, the others reported by line number.

export interface JsonLines {
  /** Every JSON line with its 1-based line number. */
  values: { line: number; value: unknown }[];
  /** 1-based numbers of lines that are not JSON, with why. */
  damaged: { line: number; reason: string }[];
  /** True when the text does not end in a newline: its last line is still being written. */
  partialTail: boolean;
}

export function parseJsonLines(text: string): JsonLines {
  const lines = text.split('\n');
  const partialTail = text.length > 0 && !text.endsWith('\n');
  // After the last newline comes '' or the unterminated line, which is not judged: its writer
  // may not be done with it.
  const complete = lines.slice(0, -1);
  const values: JsonLines['values'] = [];
  const damaged: JsonLines['damaged'] = [];
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      values.push({ line: i + 1, value: JSON.parse(line) });
    } catch (error) {
      damaged.push({ line: i + 1, reason: (error as Error).message });
    }
  });
  return { values, damaged, partialTail };
}

/** "metrics.jsonl lines 4 and 9 are damaged (not JSON) and were skipped." */
export function describeDamage(file: string, damaged: { line: number }[]): string | null {
  if (damaged.length === 0) return null;
  const shown = damaged.slice(0, 5).map((d) => d.line);
  const more = damaged.length > shown.length ? ` and ${damaged.length - shown.length} more` : '';
  const list = shown.length === 1 ? `line ${shown[0]} is` : `lines ${shown.slice(0, -1).join(', ')}${more ? ', ' : ' and '}${shown.at(-1)}${more} are`;
  return `${file} ${list} damaged (not a JSON record of the expected shape) and skipped.`;
}
