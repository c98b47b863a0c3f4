// The names of the data planes, in a file that loads nothing (no tfjs, no zeromq): the CLI and
// the option schemas import it to say what --data-plane accepts. registry.ts holds a plane per
// name; adding a plane adds its name here and its line there.

/**
 * Every data plane, in the order `auto` prefers them (the first one possible is used). `solo`
 * (one worker, which averages alone) is auto's alone: no choice below names it.
 */
export const PLANE_NAMES = ['solo', 'shared', 'hierarchical', 'star'] as const;
export type PlaneName = (typeof PLANE_NAMES)[number];

/**
 * What a run may ask for: a plane by name, or `auto` (the first plane of PLANE_NAMES that all
 * workers can use). Not `solo`: with one worker there is nothing to choose (auto takes it), and a
 * run that names `star` keeps the star's round trip even with one worker (benchmarks compare them).
 */
export const PLANE_CHOICES = ['auto', 'star', 'shared', 'hierarchical'] as const;
export type PlaneChoice = (typeof PLANE_CHOICES)[number];

/** How gradient chunks travel between hosts on the hierarchical plane (`--wire`); fp32 is exact. */
export const WIRE_CHOICES = ['fp32', 'bf16', 'fp16'] as const;
export type WireChoice = (typeof WIRE_CHOICES)[number];

/**
 * How ring chunks travel between hosts: ZeroMQ (CURVE when the run has keys) or plain TCP, a
 * keyless run's default (less CPU per byte: hierarchical/tcp-ring-link.ts).
 */
export const RING_TRANSPORTS = ['tcp', 'zeromq'] as const;
export type RingTransport = (typeof RING_TRANSPORTS)[number];

/** Ports a ring socket may take (`--ring-ports`): any free one, or a range. */
export type PortRange = { any: true } | { any: false; low: number; high: number };

/** Reads '*' or 'LOW-HIGH' (1..65535, LOW ≤ HIGH); null when `text` is neither. */
export function parsePortRange(text: string): PortRange | null {
  if (text === '*') return { any: true };
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  return m && low >= 1 && high <= 65535 && low <= high ? { any: false, low, high } : null;
}
