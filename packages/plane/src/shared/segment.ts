// Shared-memory segments: one file per worker in a RAM-backed filesystem (/dev/shm on Linux).
// Node cannot map memory shared between processes, but a read or write of a tmpfs file is one
// kernel copy at memory speed (≈ 5 GB/s here), against two copies plus socket work per byte for
// loopback ZeroMQ; and a worker can read a peer's file straight into where it is needed.
//
// Which workers share memory: equal `sharedMemoryId()`s. It joins the kernel's boot id with
// the device number of the /dev/shm mount, so two processes match only when they run on one
// kernel and see one tmpfs (two containers on one host each have their own /dev/shm, with its
// own device number, and do not match).
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The RAM-backed directory segments live in. */
export const SHARED_MEMORY_DIR = '/dev/shm';

/** Where one phase's data lives in every segment (all workers share one layout: same manifest). */
export interface PhaseRegion {
  phase: string;
  /** Floats of the phase's flattened gradient. */
  size: number;
  /** Byte offset of the region each rank writes its gradient into. */
  gradsOffset: number;
  /** Byte offset of the region each rank writes its averaged chunk into. */
  sumsOffset: number;
}

export interface SegmentLayout {
  phases: Record<string, PhaseRegion>;
  /** Byte offset of the owner's turn words (turn-words.ts), after the phases' regions. */
  turnsOffset: number;
  bytes: number;
}

/** Bytes of the turn words' region (it uses 12; a whole cache line keeps it apart from the gradients). */
export const TURN_WORDS_BYTES = 64;

/** One layout from the phases' gradient sizes; regions start on 64-byte boundaries. */
export function segmentLayout(gradSizes: Readonly<Record<string, number>>): SegmentLayout {
  const phases: Record<string, PhaseRegion> = {};
  const padded = (floats: number) => Math.ceil((floats * 4) / 64) * 64;
  let offset = 0;
  for (const phase of Object.keys(gradSizes).sort()) {
    const size = gradSizes[phase];
    phases[phase] = { phase, size, gradsOffset: offset, sumsOffset: offset + padded(size) };
    offset += 2 * padded(size);
  }
  return { phases, turnsOffset: offset, bytes: offset + TURN_WORDS_BYTES };
}

/** What segments hold: gradients (float32) and the turn words (uint32). */
type SegmentValues = Float32Array | Uint32Array;

/** Identifies the shared-memory filesystem this process sees, or null when there is none. */
export function sharedMemoryId(dir = SHARED_MEMORY_DIR): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const device = statSync(dir).dev;
    return boot.length > 0 ? `${boot}:${device}` : null;
  } catch {
    return null;
  }
}

/** A segment file could not be created, opened or used. */
export class SegmentError extends Error {}

/** This worker's own segment: created, reserved in full, written, and removed when done. */
export class OwnSegment {
  private removed = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /**
   * Creates a segment of `bytes` in `dir`, or returns null when the filesystem has not that much
   * room to spare (the worker then offers no segment and the run uses the star).
   */
  static create(bytes: number, dir = SHARED_MEMORY_DIR): OwnSegment | null {
    removeOrphans(dir);
    try {
      const fs = statfsSync(dir);
      // Leave the filesystem at least as much free as we take: other programs use it too.
      if (fs.bavail * fs.bsize < 2 * bytes) return null;
    } catch {
      return null;
    }
    const path = join(dir, `dgm-${process.pid}-${randomBytes(6).toString('hex')}.seg`);
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o600);
    } catch {
      return null;
    }
    const segment = new OwnSegment(path, fd);
    unlinkAtExit(segment);
    try {
      // Touch every page now: a full filesystem shows up here, not in the middle of a step.
      const zeros = new Uint8Array(Math.min(bytes, 1 << 22));
      for (let at = 0; at < bytes; at += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
    } catch {
      segment.close();
      return null;
    }
    return segment;
  }

  /** Writes `values` at byte `offset` of the segment. */
  write(values: SegmentValues, offset: number): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, offset + done);
  }

  /** Removes the file name; peers that opened it keep reading it until they close it. */
  unlink(): void {
    if (this.removed) return;
    this.removed = true;
    liveSegments.delete(this);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone: nothing to clean
    }
  }

  /** Removes the name and closes the file; idempotent (a descriptor closed twice could be another file's by then). */
  close(): void {
    this.unlink();
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
  }
}

/** Segments of this process whose names may still exist; removed if it exits without closing them. */
const liveSegments = new Set<OwnSegment>();
let exitHook = false;

/**
 * A worker that exits through process.exit (its launcher went away, a second Ctrl-C) skips the
 * plane's close: its segment's name is removed at exit anyway, so nothing stays in /dev/shm.
 */
function unlinkAtExit(segment: OwnSegment): void {
  if (!exitHook) process.once('exit', () => liveSegments.forEach((s) => s.unlink()));
  exitHook = true;
  liveSegments.add(segment);
}

const SEGMENT_NAME = /^dgm-(\d+)-[0-9a-f]{12}\.seg$/;
/** A segment, or the turn socket beside it (peer-turns.ts): what a killed worker may leave. */
const LEFTOVER_NAME = /^dgm-(\d+)-[0-9a-f]{12}\.(seg|turn)$/;

/**
 * Whether `path` names a segment as workers create them (in the shared-memory directory, with a
 * segment's file name): a worker opens nothing else, whatever a PLANE message lists.
 */
export function isSegmentPath(path: string, dir = SHARED_MEMORY_DIR): boolean {
  return dirname(path) === dir && SEGMENT_NAME.test(basename(path));
}

/**
 * Removes the segments (and turn sockets) of processes that no longer exist. Their names go as
 * soon as every peer has opened them (after the first average), so only a worker killed between
 * joining and its first step leaves one behind; the next worker on the host cleans it up.
 */
export function removeOrphans(dir = SHARED_MEMORY_DIR): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(LEFTOVER_NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // not ours to remove (another user's), or gone already
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** A peer's segment, opened for reading. */
export class PeerSegment {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /** Opens `path` and checks it is a segment of `bytes` (the layout every worker shares). */
  static open(path: string, bytes: number, rank: number): PeerSegment {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new SegmentError(
        `cannot open the shared-memory segment of rank ${rank} (${path}): ${(error as Error).message}; workers that report one shared-memory id must see the same ${SHARED_MEMORY_DIR} (run with data plane 'star' otherwise).`,
      );
    }
    const size = fstatSync(fd).size;
    if (size !== bytes) {
      closeSync(fd);
      throw new SegmentError(`the shared-memory segment of rank ${rank} (${path}) has ${size} bytes; this model's layout needs ${bytes}.`);
    }
    return new PeerSegment(path, fd);
  }

  /** Reads into `into` from byte `offset` of the segment, all of it. */
  read(into: SegmentValues, offset: number): void {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, offset + done);
      if (n === 0) throw new SegmentError(`the shared-memory segment ${this.path} ended at byte ${offset + done}; it was truncated.`);
      done += n;
    }
  }

  /** Idempotent, like OwnSegment.close(). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
  }
}
