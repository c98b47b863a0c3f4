// Text into HTML and JSON into a <script> element: everything a run directory holds is data,
// never markup (a config value or a log message may contain '<').

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function html(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** JSON safe inside <script type="application/json">: no '<' can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A number as people read it: 4 significant digits, no exponent for everyday sizes. */
export function num(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
