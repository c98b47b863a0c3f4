// Slurm's compressed host lists (SLURM_JOB_NODELIST, SLURM_STEP_NODELIST): `gpu[01-04,07]`,
// `a[1-2]-b,c`, `rack[1-2]-n[01-02]`. Ranges keep their zero padding; several bracket groups in
// one name multiply out in order, as `scontrol show hostnames` prints them.
import { UsageError } from '../errors.js';

/** Splits on the commas that are outside brackets. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

/** `01-04,07` → ['01','02','03','04','07']. */
function expandRanges(inner: string, whole: string): string[] {
  const out: string[] = [];
  for (const piece of inner.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(piece.trim());
    if (!m) throw new UsageError(`the Slurm host list '${whole}' has a bad range '${piece}' (expected forms like gpu[01-04,07]).`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 100_000) throw new UsageError(`the Slurm host list '${whole}' has a bad range '${piece}' (expected forms like gpu[01-04,07]).`);
    const width = m[1].length;
    for (let n = lo; n <= hi; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}

/** One name with any number of bracket groups → its hosts. */
function expandName(name: string, whole: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) {
    if (name.includes(']')) throw new UsageError(`the Slurm host list '${whole}' has an unmatched ']'.`);
    return [name];
  }
  const close = name.indexOf(']', open);
  if (close < 0) throw new UsageError(`the Slurm host list '${whole}' has an unmatched '['.`);
  const head = name.slice(0, open);
  const tails = expandName(name.slice(close + 1), whole);
  return expandRanges(name.slice(open + 1, close), whole).flatMap((n) => tails.map((t) => `${head}${n}${t}`));
}

/** Every host of a Slurm host list, in order. Throws UsageError for a malformed list. */
export function expandHostlist(list: string): string[] {
  const hosts = splitTopLevel(list.trim())
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .flatMap((p) => expandName(p, list));
  if (hosts.length === 0) throw new UsageError(`the Slurm host list '${list}' names no host.`);
  return hosts;
}
